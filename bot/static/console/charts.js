// Charts drawn as SVG elements (no library, no inline script: the page's CSP allows neither).
// Every label goes in as a text node.

const NS = "http://www.w3.org/2000/svg";
export const PALETTE = ["#0f766e", "#d97706", "#2563eb", "#be123c", "#7c3aed", "#4d7c0f"];

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** Round tick values covering [low, high] (same rule as the report's charts). */
export function niceTicks(low, high, count = 5) {
  if (!(high > low)) high = low + 1;
  const raw = (high - low) / Math.max(1, count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) || 10 * magnitude;
  const ticks = [];
  let value = Math.floor(low / step) * step;
  while (value <= high + step * 1e-9) {
    ticks.push(Number(value.toFixed(10)));
    value += step;
  }
  if (ticks[ticks.length - 1] < high) ticks.push(Number(value.toFixed(10)));
  return ticks;
}

const short = (v) => (Math.abs(v) >= 10 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1));
const present = (v) => v !== null && v !== undefined;
const decimals = (v) => (String(Number(v.toFixed(6))).split(".")[1] || "").length;
/** The ticks written with the places their step needs, all alike (1.75, 2.00, 2.25). */
const tickTexts = (ticks) => {
  const places = Math.min(3, Math.max(0, ...ticks.map(decimals)));
  return ticks.map((tk) => tk.toFixed(places));
};
/** About how wide ``text`` is at the 11 px tick size (CJK characters count double). */
const textWidth = (text) => [...String(text)].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e7f ? 11 : 6.5), 0);

/**
 * A line chart: ``labels`` along x, ``series`` = [{name, values (null = gap), format}].
 * Values are drawn divided by ``scale`` against an axis in ``unit`` (written above its ticks,
 * e.g. seconds drawn as minutes: scale 60, unit "min"); each point carries a <title> with
 * ``format`` of its own value for a hover tooltip. The legend is HTML beside it: ``legend``.
 */
export function lineChart({ title, labels, series, width = 460, height = 190, id, scale = 1, unit = "" }) {
  const values = series.flatMap((s) => s.values.filter(present).map((v) => v / scale));
  const ticks = niceTicks(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1);
  const texts = tickTexts(ticks);
  const left = Math.max(42, 10 + Math.max(textWidth(unit), ...texts.map(textWidth))),
    right = 24, top = 28, bottom = 26;
  const plotW = width - left - right, plotH = height - top - bottom;
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  const n = Math.max(1, labels.length - 1);
  const x = (i) => left + (plotW * i) / n;
  const y = (v) => top + plotH * (1 - (v / scale - lo) / (hi - lo || 1));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": title, class: "chart line-chart", id });
  svg.append(el("text", { x: left, y: 16, class: "chart-title" }, title));
  if (unit) svg.append(el("text", { x: left - 6, y: 16, class: "tick unit", "text-anchor": "end" }, unit));
  ticks.forEach((tk, k) => {
    const ty = y(tk * scale);
    svg.append(el("line", { x1: left, x2: width - right, y1: ty, y2: ty, class: "grid-line" }));
    svg.append(el("text", { x: left - 6, y: ty + 4, class: "tick", "text-anchor": "end" }, texts[k]));
  });
  const every = Math.max(1, Math.ceil(labels.length / Math.max(2, Math.floor(plotW / 55))));
  labels.forEach((label, i) => {
    if ((labels.length - 1 - i) % every === 0) { // counted from the newest week, always shown
      const anchor = i === labels.length - 1 && labels.length > 1 ? "end" : "middle";
      svg.append(el("text", { x: x(i), y: height - bottom + 15, class: "tick", "text-anchor": anchor }, label));
    }
  });
  series.forEach((s, k) => {
    const color = s.color || PALETTE[k % PALETTE.length];
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        const d = run.map(([px, py], j) => `${j ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
        svg.append(el("path", { d, fill: "none", stroke: color, "stroke-width": 2, class: "series",
          "data-series": s.key || s.name }));
      }
      run = [];
    };
    s.values.forEach((v, i) => {
      if (!present(v)) { flush(); return; }
      run.push([x(i), y(v)]);
      const dot = el("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, fill: color, class: "point" });
      dot.append(el("title", {}, `${s.name} · ${labels[i]}: ${s.format ? s.format(v) : short(v)}`));
      svg.append(dot);
    });
    flush();
  });
  return svg;
}

/** The series' names with their colours, as a list that wraps to the width it is given. */
export function legend(series) {
  const list = document.createElement("ul");
  list.className = "chart-legend";
  series.forEach((s, k) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = s.color || PALETTE[k % PALETTE.length]; // CSSOM: allowed by the CSP
    item.append(swatch, document.createTextNode(s.name));
    list.append(item);
  });
  return list;
}

/**
 * A box that holds ``draw(width)`` drawn at the box's own width: first at ``initial`` (so the
 * chart is there at once), then again whenever the width it gets in the layout changes.
 */
export function fitted(draw, initial = 460) {
  const box = document.createElement("div");
  box.className = "chart-box";
  let drawn = 0;
  const redraw = (width) => {
    const w = Math.floor(width);
    if (w < 160 || w === drawn) return;
    drawn = w;
    box.replaceChildren(draw(w));
  };
  redraw(initial);
  new ResizeObserver((entries) => redraw(entries[entries.length - 1].contentRect.width)).observe(box);
  return box;
}

/** Horizontal bars for [{label, value}], largest first as given. */
export function barChart({ title, items, width = 460, barHeight = 18, color = PALETTE[0], id }) {
  const left = 140, top = 26, gap = 6;
  const height = top + items.length * (barHeight + gap) + 6;
  const peak = Math.max(1, ...items.map((i) => i.value));
  const plotW = width - left - 44;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": title, class: "chart bar-chart", id });
  svg.append(el("text", { x: 0, y: 16, class: "chart-title" }, title));
  items.forEach((item, i) => {
    const yy = top + i * (barHeight + gap);
    const w = Math.max(1, (plotW * item.value) / peak);
    const label = item.label.length > 16 ? `${item.label.slice(0, 15)}…` : item.label;
    svg.append(el("text", { x: left - 8, y: yy + barHeight * 0.72, class: "bar-label", "text-anchor": "end" }, label));
    const bar = el("rect", { x: left, y: yy, width: w.toFixed(1), height: barHeight, rx: 3, fill: color, class: "bar" });
    bar.append(el("title", {}, `${item.label}: ${item.value}`));
    svg.append(bar);
    svg.append(el("text", { x: left + w + 6, y: yy + barHeight * 0.72, class: "bar-value" }, short(item.value)));
  });
  return svg;
}
