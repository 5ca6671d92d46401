// Dashboard panels: weekly trends, the region × service table, complaints, voice of the customer.
import { barChart, fitted, legend, lineChart, PALETTE } from "./charts.js";
import { chartAxis, dimName, fmtChange, fmtValue } from "./dashfmt.js";
import { h } from "./dom.js";

const TRENDS = [
  { id: "trend-satisfaction", title: "tr_satisfaction", series: [["csat", "score"]] },
  { id: "trend-nps", title: "tr_nps", series: [["nps", "points"]] },
  { id: "trend-bot", title: "tr_bot", series: [["containment_pct", "pct"], ["handoff_pct", "pct"], ["fcr_pct", "pct"]] },
  { id: "trend-volume", title: "tr_volume", series: [["contacts", "count"], ["complaints", "count"]] },
  { id: "trend-complaints", title: "tr_complaint_rate", series: [["complaint_rate_pct", "pct"]] },
  { id: "trend-response", title: "tr_agent_wait", series: [["agent_first_response_s", "seconds"]] },
];

export function trendsPanel(data, t) {
  const labels = data.trends.weeks.map((w) => w.first.slice(5));
  const charts = TRENDS.map((spec) => {
    const unit = spec.series[0][1]; // the series of one chart share a unit
    const values = spec.series.flatMap(([key]) => data.trends.series[key] || []);
    const axis = chartAxis(unit, values, t);
    const series = spec.series.map(([key]) => ({
      key, name: t(`m_${key}`), values: data.trends.series[key] || [], format: axis.format,
    }));
    return h("figure", { class: "chart-figure" },
      fitted((width) => lineChart({ id: spec.id, title: t(spec.title), labels, series, width,
        scale: axis.scale, unit: axis.unit })),
      legend(series));
  });
  return h("section", { class: "panel", id: "trends", "aria-labelledby": "trends-title" },
    h("h2", { id: "trends-title", text: t("trends_title", { n: labels.length }) }),
    h("div", { class: "charts" }, charts));
}

export function matrixPanel(data, t, onCell) {
  const m = data.matrix;
  const head = h("tr", {}, h("th", { scope: "col", text: t("dim_region") }),
    m.services.map((s) => h("th", { scope: "col", text: dimName(s, t) })));
  const cells = new Map(m.cells.map((c) => [`${c.region}\u0000${c.service}`, c]));
  const rows = m.regions.map((region) => h("tr", {},
    h("th", { scope: "row", text: dimName(region, t) }),
    m.services.map((service) => {
      const c = cells.get(`${region}\u0000${service}`);
      if (!c) return h("td", { class: "muted", text: "—" });
      const label = `${fmtValue(c.csat, "score", t)} (${c.n})`;
      return h("td", { class: `cell${c.alert ? " alert" : ""}`, dataset: { region, service } },
        h("button", { type: "button", class: "link cell-value", text: label,
          title: t("matrix_cell_title", { prev: fmtValue(c.previous, "score", t), n: c.previous_n }),
          onclick: () => onCell(region, service) }),
        h("div", { class: `small ${c.change < 0 ? "worse" : c.change > 0 ? "better" : ""}`,
          text: fmtChange(c.change, c.change_pct, "score", t) }),
        c.alert ? h("div", { class: "badge negative", text: t("matrix_drop") }) : null);
    })));
  return h("section", { class: "panel", id: "matrix-panel", "aria-labelledby": "matrix-title" },
    h("h2", { id: "matrix-title", text: t("matrix_title") }),
    m.cells.length
      ? h("table", { class: "grid matrix", id: "matrix" }, h("thead", {}, head), h("tbody", {}, rows))
      : h("p", { class: "empty", text: t("dash_no_data") }),
    h("p", { class: "muted small", text: t("matrix_note", { pct: m.drop_alert_pct ?? 5, n: m.min_answers ?? 3 }) }));
}

export function complaintsPanel(data, t) {
  const c = data.complaints;
  const rows = c.by_channel.map((r) => h("tr", {},
    h("td", {}, h("span", { class: `badge ch-${r.channel}`, text: dimName(r.channel, t) })),
    h("td", { class: "num", text: r.complaints }), h("td", { class: "num", text: r.contacts }),
    h("td", { class: "num", text: fmtValue(r.rate_pct, "pct", t) })));
  const topics = c.by_topic.map((x) => ({ label: dimName(x.topic, t), value: x.count }));
  return h("section", { class: "panel", id: "complaints-panel", "aria-labelledby": "complaints-title" },
    h("h2", { id: "complaints-title", text: t("complaints_title") }),
    h("div", { class: "split" },
      h("table", { class: "grid", id: "complaints-by-channel" },
        h("thead", {}, h("tr", {}, ["dim_channel", "m_complaints", "m_contacts", "complaint_rate"].map(
          (k) => h("th", { scope: "col", text: t(k) })))),
        h("tbody", {}, rows)),
      topics.length
        ? barChart({ id: "complaints-by-topic", title: t("by_topic"), items: topics, color: PALETTE[3] })
        : h("p", { class: "muted", text: t("dash_no_data") })));
}

function meter(share) {
  const fill = h("span", {});
  fill.style.width = `${Math.round(share * 100)}%`; // CSSOM: allowed by the CSP, unlike style=""
  return h("div", { class: "meter" }, fill);
}

function phraseList(block, t, kind) {
  if (!block.phrases.length) return h("p", { class: "muted", text: t("voc_none") });
  const peak = Math.max(...block.phrases.map((p) => p.count));
  return h("ol", { class: `phrases ${kind}` }, block.phrases.map((p) => h("li", { class: "phrase" },
    h("div", { class: "phrase-head" },
      h("strong", { text: p.phrase }),
      h("span", { class: "muted small", text: t("voc_mentions", { n: p.count }) })),
    meter(p.count / peak),
    h("details", {}, h("summary", { text: t("voc_quotes") }),
      h("ul", { class: "plain quotes" }, p.quotes.map((q) => h("li", {},
        q.conversation_id
          ? h("a", { href: `#/c/${encodeURIComponent(q.conversation_id)}`, text: `“${q.text}”` })
          : h("span", { text: `“${q.text}”` }),
        h("span", { class: "muted small", text: ` — ${t(`voc_src_${q.source}`)} ${q.at.slice(0, 10)}` }))))))));
}

export function voicePanel(voice, t) {
  return h("section", { class: "panel", id: "voice", "aria-labelledby": "voice-title" },
    h("h2", { id: "voice-title", text: t("voc_title") }),
    h("div", { class: "split" },
      h("div", { id: "pain-points" }, h("h3", { text: t("voc_pain", { n: voice.negative.texts }) }),
        phraseList(voice.negative, t, "negative")),
      h("div", { id: "praise" }, h("h3", { text: t("voc_praise", { n: voice.positive.texts }) }),
        phraseList(voice.positive, t, "positive"))));
}
