// Tiny DOM helpers. Every piece of text goes in as a text node (textContent); no HTML strings.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value") el.value = value;
    else if (key === "checked" || key === "disabled" || key === "selected" || key === "hidden") {
      el[key] = Boolean(value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** "3 min 05 s", "2 h 10 min" in the UI language. */
export function duration(seconds, lang) {
  const s = Math.max(0, Math.floor(seconds));
  const zh = lang === "zh";
  if (s < 60) return zh ? `${s} 秒` : `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60), r = String(s % 60).padStart(2, "0");
    return zh ? `${m} 分 ${r} 秒` : `${m} min ${r} s`;
  }
  if (s < 86400) {
    const hh = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return zh ? `${hh} 小时 ${m} 分` : `${hh} h ${m} min`;
  }
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
  return zh ? `${d} 天 ${hh} 小时` : `${d} d ${hh} h`;
}

export function when(iso, lang) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}
