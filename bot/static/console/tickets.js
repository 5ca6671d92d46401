// Tickets with SLA timers (red / amber / green) and status actions (supervisor, admin).
import { ApiError, get, post } from "./api.js";
import { clear, duration, h, when } from "./dom.js";

const NEXT = {
  open: ["acknowledged"],
  acknowledged: ["in_progress"],
  in_progress: ["resolved"],
  resolved: ["closed"],
  closed: [],
};

export function renderTickets(ctx, main) {
  const { t } = ctx;
  const stats = h("p", { class: "muted", id: "tickets-stats" });
  const filter = h("select", { id: "ticket-filter", "aria-label": t("filter"), onchange: () => draw() },
    h("option", { value: "active", text: t("tickets_active") }),
    h("option", { value: "all", text: t("tickets_all") }));
  const body = h("tbody", {});
  const table = h("table", { class: "grid tickets", id: "tickets-table" },
    h("thead", {}, h("tr", {}, ["col_ticket", "col_customer", "col_severity", "col_topic", "col_status",
      "col_due", "col_sla", "col_actions"].map((k) => h("th", { scope: "col", text: t(k) })))), body);
  main.append(h("div", { class: "page-head" }, h("h1", { text: t("tickets_title") }), stats,
    h("label", { class: "inline" }, t("filter"), " ", filter)), table);

  let items = [], fetchedAt = performance.now(), gone = false, loading = false, again = false;

  function slaCell(x) {
    return h("td", { class: `sla sla-${x.sla || "done"}`, dataset: { base: String(x.seconds_left ?? "") } });
  }

  function actionsCell(x) {
    const cell = h("td", { class: "ticket-actions" });
    for (const to of NEXT[x.status] || []) {
      if (to === "resolved") {
        const outcome = h("input", { type: "text", placeholder: t("outcome"), "aria-label": `${t("outcome")} ${x.ticket_id}` });
        cell.append(outcome, h("button", { type: "button", dataset: { to }, text: t(`to_${to}`), onclick: () => {
          if (!outcome.value.trim()) { outcome.focus(); ctx.toast(t("outcome_needed"), "error"); return; }
          change(x, { to, outcome: outcome.value.trim() });
        } }));
      } else {
        cell.append(h("button", { type: "button", dataset: { to }, text: t(`to_${to}`), onclick: () => change(x, { to }) }));
      }
    }
    if (x.status === "resolved" || x.status === "closed") {
      cell.append(h("button", { type: "button", class: "reopen", text: t("reopen"), onclick: () => reopen(x) }));
    }
    return cell;
  }

  function draw() {
    const shown = filter.value === "all" ? items : items.filter((x) => x.status !== "closed");
    clear(body).append(...shown.map((x) => h("tr", { class: `ticket-row sla-row-${x.sla || "done"}`, dataset: { id: x.ticket_id } },
      h("td", {}, h("strong", { text: x.ticket_id })),
      h("td", {}, x.conversation_id
        ? h("a", { href: `#/c/${encodeURIComponent(x.conversation_id)}`, text: x.customer_name || `#${x.customer_id}` })
        : h("span", { text: x.customer_name || `#${x.customer_id ?? ""}` })),
      h("td", {}, h("span", { class: `badge sev-${x.severity}`, text: t(`sev_${x.severity}`, {}, x.severity || "") })),
      h("td", { text: t(`topic_${x.topic}`, {}, x.topic || "") }),
      h("td", { text: t(`tstatus_${x.status}`, {}, x.status) }),
      h("td", { class: "small" }, x.reply_due_at ? h("div", { text: `${t("reply_due")}: ${when(x.reply_due_at, ctx.lang)}` }) : null,
        x.fix_due_at ? h("div", { text: `${t("fix_due")}: ${when(x.fix_due_at, ctx.lang)}` }) : null),
      slaCell(x), actionsCell(x))));
    const red = items.filter((x) => x.sla === "red" && x.status !== "closed").length;
    stats.textContent = t("tickets_stats", { n: items.length, red });
    tick();
  }

  function tick() {
    const elapsed = (performance.now() - fetchedAt) / 1000;
    for (const cell of body.querySelectorAll("td.sla")) {
      const color = t(`sla_${cell.className.match(/sla-(\w+)/)[1]}`);
      if (cell.dataset.base === "" || cell.classList.contains("sla-done")) { cell.textContent = color; continue; }
      const left = Number(cell.dataset.base) - elapsed;
      cell.textContent = `${color} · ${left >= 0 ? t("left", { d: duration(left, ctx.lang) }) : t("overdue", { d: duration(-left, ctx.lang) })}`;
    }
  }

  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const data = await get("/tickets");
      if (gone) return;
      items = Array.isArray(data) ? data : data.items || [];
      fetchedAt = performance.now();
      draw();
    } catch (err) {
      if (gone) return;
      if (err instanceof ApiError && err.status === 403) {
        clear(main).append(h("h1", { id: "forbidden", class: "forbidden", text: t("forbidden_tickets") }));
        gone = true;
      } else ctx.toast(ctx.describe(err), "error");
    } finally {
      loading = false;
      if (again && !gone) { again = false; load(); }
    }
  }

  async function change(x, body) {
    try {
      await post(`/tickets/${encodeURIComponent(x.ticket_id)}/status`, body);
      ctx.toast(t("ticket_updated", { id: x.ticket_id }));
    } catch (err) { ctx.toast(ctx.describe(err), "error"); }
    load();
  }

  async function reopen(x) {
    try {
      await post(`/tickets/${encodeURIComponent(x.ticket_id)}/reopen`, {});
      ctx.toast(t("ticket_updated", { id: x.ticket_id }));
    } catch (err) { ctx.toast(ctx.describe(err), "error"); }
    load();
  }

  const timer = setInterval(tick, 1000);
  const poll = setInterval(load, 60000);
  load();
  return {
    onEvent(evt) { if (evt.type === "ticket" || evt.type === "status") load(); },
    destroy() { gone = true; clearInterval(timer); clearInterval(poll); },
  };
}
