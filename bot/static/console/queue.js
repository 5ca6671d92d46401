// Queue (waiting customers, as the API sorts them) and "My conversations".
import { ApiError, get, post } from "./api.js";
import { clear, duration, h } from "./dom.js";

const VIP_TIERS = ["gold", "diamond", "vip"];

export function sentimentBadge(t, sentiment, angry) {
  if (angry) return h("span", { class: "badge angry", text: t("angry") });
  if (sentiment === null || sentiment === undefined) return h("span", { class: "badge", text: "—" });
  const value = Number(sentiment);
  const label = value <= -0.25 ? "negative" : value >= 0.25 ? "positive" : "neutral";
  return h("span", { class: `badge ${label}`, title: value.toFixed(2), text: t(`sent_${label}`) });
}

export function channelBadge(t, channel) {
  return h("span", { class: `badge ch ch-${channel}`, text: t(`ch_${channel}`) });
}

export function renderQueue(ctx, main, { mine }) {
  const { t } = ctx;
  const me = ctx.user.username;
  const title = h("h1", { text: t(mine ? "mine_title" : "queue_title") });
  const stats = h("p", { class: "muted", id: "queue-stats" });
  const table = h("table", { class: "grid queue", id: mine ? "mine-table" : "queue-table" });
  const head = h("thead", {}, h("tr", {},
    ["col_customer", "col_channel", "col_flags", "col_sentiment", "col_reason", "col_waiting",
      "col_last", "col_agent", ""].map((k) => h("th", { scope: "col", text: k ? t(k) : "" }))));
  const body = h("tbody", {});
  table.append(head, body);
  const empty = h("p", { class: "empty", text: t(mine ? "mine_empty" : "queue_empty"), hidden: true });
  main.append(h("div", { class: "page-head" }, title, stats), table, empty);

  let items = [];
  let counts = null;
  let fetchedAt = performance.now();
  let loading = false;
  let again = false;
  let gone = false;

  const visible = () => items.filter((it) => (mine
    ? it.status === "agent" && it.assigned_agent === me
    : it.status === "queued" || (it.status === "agent" && ctx.can("supervisor", "admin"))));

  function row(it) {
    const flags = [];
    if (it.reason === "urgent_complaint" || it.priority >= 100) {
      flags.push(h("span", { class: "badge urgent", text: t("urgent") }));
    }
    if (it.tier && it.tier !== "basic" && it.tier !== "standard") {
      const vip = VIP_TIERS.includes(it.tier) || it.reason === "vip";
      flags.push(h("span", { class: `badge tier-${it.tier}${vip ? " vip" : ""}`, text: vip ? `VIP · ${it.tier}` : it.tier }));
    } else if (it.reason === "vip") flags.push(h("span", { class: "badge vip", text: "VIP" }));
    flags.push(h("span", { class: "badge prio", title: t("priority"), text: `P${it.priority ?? 0}` }));
    const open = h("a", { href: `#/c/${encodeURIComponent(it.conversation_id)}`, class: "open",
      text: t("open") });
    let action = open;
    if (it.status === "queued") {
      action = h("span", { class: "actions" },
        h("button", { type: "button", class: "primary claim", "aria-label":
          `${t("claim")} ${it.customer_name || it.conversation_id}`, onclick: () => claim(it) },
        t("claim")), open);
    }
    return h("tr", { class: `queue-row ${it.status}`, dataset: { id: it.conversation_id } },
      h("td", {}, h("strong", { class: "name", text: it.customer_name || t("anonymous") }),
        h("div", { class: "muted small", text: `${it.conversation_id} · ${it.lang || ""}` })),
      h("td", {}, channelBadge(t, it.channel)),
      h("td", {}, flags),
      h("td", {}, sentimentBadge(t, it.sentiment, it.angry)),
      h("td", { text: it.reason ? t(`reason_${it.reason}`, {}, it.reason) : "" }),
      h("td", { class: "waiting", dataset: { base: String(it.waiting_seconds || 0) } }),
      h("td", { class: "last" }, h("span", { class: "clip", text: it.last_text || "" })),
      h("td", { text: it.assigned_agent || (it.status === "queued" ? t("unassigned") : "") }),
      h("td", {}, action));
  }

  function tick() {
    const elapsed = (performance.now() - fetchedAt) / 1000;
    for (const cell of body.querySelectorAll("td.waiting")) {
      cell.textContent = duration(Number(cell.dataset.base) + elapsed, ctx.lang);
    }
  }

  function draw() {
    const focused = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest("tr.queue-row");
    const focusId = focused ? focused.dataset.id : null;
    const shown = visible();
    clear(body).append(...shown.map(row));
    empty.hidden = shown.length > 0;
    table.hidden = shown.length === 0;
    const waiting = counts && typeof counts.queued === "number" ? counts.queued
      : items.filter((it) => it.status === "queued").length;
    const listed = items.filter((it) => it.status === "queued").length;
    stats.textContent = t("queue_stats", { n: waiting }) +
      (listed < waiting ? ` · ${t("queue_first", { n: listed })}` : "");
    tick();
    if (focusId) {
      const again = body.querySelector(`tr[data-id="${CSS.escape(focusId)}"] button, tr[data-id="${CSS.escape(focusId)}"] a`);
      if (again) again.focus();
    }
  }

  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const data = await get("/queue");
      if (gone) return;
      items = Array.isArray(data) ? data : data.items || [];
      counts = (data && data.counts) || null;
      fetchedAt = performance.now();
      main.dataset.serverMs = data && data.server_ms !== undefined ? String(data.server_ms) : "";
      draw();
    } catch (err) {
      if (!gone) ctx.toast(ctx.describe(err), "error");
    } finally {
      loading = false;
      if (again && !gone) { again = false; load(); }
    }
  }

  async function claim(it) {
    try {
      await post(`/conversations/${encodeURIComponent(it.conversation_id)}/claim`);
      ctx.go(`#/c/${encodeURIComponent(it.conversation_id)}`);
    } catch (err) {
      ctx.toast(err instanceof ApiError && err.status === 409 ? t("claim_taken") : ctx.describe(err),
        "error");
      load();
    }
  }

  const timer = setInterval(tick, 1000);
  const poll = setInterval(load, 30000); // a safety net; the stream drives updates
  load();
  return {
    onEvent() { load(); },
    destroy() { gone = true; clearInterval(timer); clearInterval(poll); },
  };
}
