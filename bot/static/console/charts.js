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

/**
 * A line chart: ``labels`` along x, ``series`` = [{name, values (null = gap), format}].
 * Each point carries a <title> with its value for a hover tooltip.
 */
export function lineChart({ title, labels, series, width = 460, height = 210, id }) {
  const left = 42, right = 24, top = 28, bottom = 44;
  const plotW = width - left - right, plotH = height - top - bottom;
  const values = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  const ticks = niceTicks(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1);
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  const n = Math.max(1, labels.length - 1);
  const x = (i) => left + (plotW * i) / n;
  const y = (v) => top + plotH * (1 - (v - lo) / (hi - lo || 1));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": title, class: "chart line-chart", id });
  svg.append(el("text", { x: left, y: 16, class: "chart-title" }, title));
  for (const t of ticks) {
    svg.append(el("line", { x1: left, x2: width - right, y1: y(t), y2: y(t), class: "grid-line" }));
    svg.append(el("text", { x: left - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, short(t)));
  }
  const every = Math.max(1, Math.ceil(labels.length / 7));
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
      if (v === null || v === undefined) { flush(); return; }
      run.push([x(i), y(v)]);
      const dot = el("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, fill: color, class: "point" });
      dot.append(el("title", {}, `${s.name} · ${labels[i]}: ${s.format ? s.format(v) : short(v)}`));
      svg.append(dot);
    });
    flush();
    const lx = left + k * 150;
    svg.append(el("rect", { x: lx, y: height - 16, width: 10, height: 10, fill: color }));
    svg.append(el("text", { x: lx + 14, y: height - 7, class: "legend" }, s.name));
  });
  return svg;
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
