// How dashboard numbers are written (the report uses the same rules: bot/reports/labels.py).

/** Seconds from this many on are written in minutes. */
const MINUTES_FROM = 90;
const minutes = (value, t) => t("u_minutes", { n: (value / 60).toFixed(1) });
const seconds = (value, t) => t("u_seconds", { n: value.toFixed(0) });

export function fmtValue(value, unit, t) {
  if (value === null || value === undefined) return "—";
  if (unit === "pct") return `${value.toFixed(1)}%`;
  if (unit === "hours") return t("u_hours", { n: value.toFixed(1) });
  if (unit === "seconds") return value >= MINUTES_FROM ? minutes(value, t) : seconds(value, t);
  if (unit === "points") return `${value >= 0 ? "+" : ""}${value.toFixed(0)}`;
  if (unit === "count") return String(Math.round(value));
  return value.toFixed(2);
}

/**
 * How a trend chart of ``unit`` values draws its axis — ``scale`` (drawn value = value /
 * scale) and the ``unit`` word written above the ticks — and writes each point's value, in
 * that same unit: a chart of seconds whose values reach the minutes is drawn and labelled
 * in minutes throughout, as its tile writes them.
 */
export function chartAxis(unit, values, t) {
  const word = (key) => t(key, { n: "" }).trim();
  const format = (v) => fmtValue(v, unit, t);
  if (unit === "seconds") {
    const inMinutes = values.some((v) => v !== null && v !== undefined && v >= MINUTES_FROM);
    return inMinutes
      ? { scale: 60, unit: word("u_minutes"), format: (v) => minutes(v, t) }
      : { scale: 1, unit: word("u_seconds"), format: (v) => seconds(v, t) };
  }
  if (unit === "hours") return { scale: 1, unit: word("u_hours"), format };
  if (unit === "pct") return { scale: 1, unit: "%", format };
  return { scale: 1, unit: "", format };
}

/** "▲ 2.1 pt" for rates and NPS, "▼ 4.3%" (relative) for the rest. */
export function fmtChange(change, changePct, unit, t) {
  if (change === null || change === undefined) return "—";
  const arrow = change > 0 ? "▲" : change < 0 ? "▼" : "＝";
  if (unit === "pct") return `${arrow} ${t("u_pt", { n: Math.abs(change).toFixed(1) })}`;
  if (unit === "points") return `${arrow} ${Math.abs(change).toFixed(1)}`;
  if (changePct === null || changePct === undefined) return `${arrow} ${Math.abs(change).toFixed(2)}`;
  return `${arrow} ${Math.abs(changePct).toFixed(1)}%`;
}

/** A dimension value as people read it: services, channels and topics translated. */
export function dimName(value, t) {
  if (value === "" || value === null || value === undefined) return t("dash_unknown");
  return t(`svc_${value}`, {}, t(`ch_${value}`, {}, t(`topic_${value}`, {}, t(`tier_${value}`, {}, value))));
}

/** One line describing a drill-down record. */
export function describeRow(kind, d, t) {
  const bits = [];
  if (kind === "surveys") {
    bits.push(`CSAT ${d.csat ?? "—"}`, `NPS ${d.nps ?? "—"}`, `CES ${d.ces ?? "—"}`);
    if (d.service) bits.push(dimName(d.service, t));
    if (d.comment) bits.push(`“${d.comment}”`);
  } else if (d.ticket_id) {
    bits.push(d.ticket_id, t(`sev_${d.severity}`, {}, d.severity), t(`topic_${d.topic}`, {}, d.topic),
      t(`tstatus_${d.status}`, {}, d.status));
    if (d.reopened) bits.push(t("drill_reopened", { n: d.reopened }));
    if (d.description) bits.push(`“${d.description}”`);
  } else if (d.booking_id) {
    bits.push(d.booking_id, dimName(d.service, t), t("drill_earlier", { n: d.earlier_bookings }));
  } else if (d.last_completed) {
    bits.push(t("drill_last_done", { d: d.last_completed.slice(0, 10) }));
    for (const flag of ["lapsed", "unhappy", "waiting"]) if (d[flag]) bits.push(t(`risk_${flag}`));
  } else if (d.points !== undefined) {
    bits.push(t("drill_points", { n: d.points }));
  } else {
    bits.push(t("drill_messages", { n: d.messages }));
    if (d.service) bits.push(dimName(d.service, t));
    if (d.handoff) bits.push(t("drill_handoff"));
    if (d.person) bits.push(t("drill_person"));
    if (d.agent_first_response_s !== null && d.agent_first_response_s !== undefined) {
      bits.push(t("drill_agent_wait", { d: fmtValue(d.agent_first_response_s, "seconds", t) }));
    }
  }
  return bits.join(" · ");
}
