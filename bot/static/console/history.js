// The conversation history: customer / bot / agent bubbles, NLU annotations, system lines.
import { h, when } from "./dom.js";

/** Events worth a line even when internals are hidden (the handoff and business milestones). */
const MILESTONES = /^(handoff_|ticket_|booking_|survey_|voucher_|channel_|preference_saved)/;

function nluLine(t, data) {
  const parts = [];
  if (data.intent) {
    const conf = typeof data.confidence === "number" ? ` ${data.confidence.toFixed(2)}` : "";
    parts.push(`${t("nlu_intent")}: ${data.intent}${conf}`);
  }
  const s = data.sentiment;
  if (s && typeof s === "object") {
    const score = typeof s.score === "number" ? ` ${s.score.toFixed(2)}` : "";
    parts.push(`${t("nlu_sentiment")}: ${t(`sent_${s.label}`, {}, s.label || "")}${score}` +
      (s.anger ? ` · ${t("angry")}` : ""));
  } else if (typeof s === "number") {
    parts.push(`${t("nlu_sentiment")}: ${s.toFixed(2)}`);
  }
  const entities = Array.isArray(data.entities) ? data.entities : [];
  if (entities.length) {
    parts.push(`${t("nlu_entities")}: ` + entities.map((e) => {
      const value = typeof e.value === "object" ? JSON.stringify(e.value) : e.value;
      return `${e.entity}=${value}`;
    }).join(", "));
  }
  return parts.join(" · ");
}

function mediaLine(t, media) {
  return (Array.isArray(media) ? media : []).map((m) => {
    const bits = [t(`media_${m.kind}`, {}, m.kind || "file")];
    if (m.name) bits.push(m.name);
    if (m.mime) bits.push(m.mime);
    return `📎 ${bits.join(" · ")}`;
  }).join("\n");
}

function systemText(t, ev) {
  const d = ev.data || {};
  const label = t(`ev_${ev.type}`, {}, ev.type);
  const extra = [];
  if (d.reason) extra.push(t(`reason_${d.reason}`, {}, d.reason));
  if (d.agent) extra.push(d.agent);
  if (d.from && d.to) extra.push(`${d.from} → ${d.to}`);
  else if (d.to) extra.push(`→ ${d.to}`);
  if (d.ticket_id) extra.push(d.ticket_id);
  if (d.booking_id) extra.push(d.booking_id);
  if (d.flow) extra.push(d.flow);
  if (d.position) extra.push(`#${d.position}`);
  if (ev.actor && ev.actor !== "system" && ev.actor !== "bot" && !d.agent) extra.push(ev.actor);
  return extra.length ? `${label} — ${extra.join(" · ")}` : label;
}

/** Builds the history's nodes from events (oldest first). */
export function historyNodes(ctx, events, { internals }) {
  const { t } = ctx;
  const nodes = [];
  let lastCustomer = null;
  let lastChannel = null;
  for (const ev of events) {
    const d = ev.data || {};
    const channel = ev.channel || d.channel || null;
    if (channel && lastChannel && channel !== lastChannel && /^message_/.test(ev.type)) {
      nodes.push(h("div", { class: "sys channel-switch", text: t("channel_switch", { ch: t(`ch_${channel}`, {}, channel) }) }));
    }
    if (channel && /^message_/.test(ev.type)) lastChannel = channel;
    const meta = h("div", { class: "meta" }, when(ev.ts, ctx.lang), channel ? ` · ${t(`ch_${channel}`, {}, channel)}` : "");
    if (ev.type === "message_in") {
      const text = d.text ?? "";
      const body = h("div", { class: "text", text: text || `[${t(`kind_${d.kind}`, {}, d.kind || "?")}]` });
      lastCustomer = h("div", { class: "bubble customer", dataset: { event: String(ev.id) } }, body, meta);
      nodes.push(h("div", { class: "row customer" }, lastCustomer));
    } else if (ev.type === "message_out") {
      const agent = ev.actor === "agent";
      const who = agent ? (d.agent || t("agent")) : t("bot");
      const parts = [h("div", { class: "who", text: who }), h("div", { class: "text", text: d.text ?? "" })];
      if (Array.isArray(d.buttons) && d.buttons.length) {
        parts.push(h("div", { class: "buttons" }, d.buttons.map((b) => h("span", { class: "chip", text: b }))));
      }
      if (d.skipped_reason) parts.push(h("div", { class: "warn small", text: t("reply_skipped", { why: d.skipped_reason }) }));
      parts.push(meta);
      nodes.push(h("div", { class: `row ${agent ? "agent" : "bot"}` },
        h("div", { class: `bubble ${agent ? "agent" : "bot"}`, dataset: { event: String(ev.id) } }, parts)));
    } else if (ev.type === "nlu") {
      const line = h("div", { class: "nlu", text: nluLine(t, d) });
      if (lastCustomer) lastCustomer.append(line);
      else nodes.push(line);
    } else if (ev.type === "media_received") {
      const line = h("div", { class: "media", text: mediaLine(t, d.media) });
      if (lastCustomer) lastCustomer.append(line);
      else nodes.push(line);
    } else if (ev.type === "agent_note" || ev.type === "note_added") {
      nodes.push(h("div", { class: "sys note-line", text: `${t("note")}: ${d.text || ""} — ${d.author || ev.actor || ""}` }));
    } else if (internals || MILESTONES.test(ev.type)) {
      nodes.push(h("div", { class: `sys ev-${ev.type}`, dataset: { event: String(ev.id) } },
        h("span", { text: systemText(t, ev) }), h("span", { class: "meta", text: ` ${when(ev.ts, ctx.lang)}` })));
    }
  }
  return nodes;
}
