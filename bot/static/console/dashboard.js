// Supervisor dashboard: filters, KPI tiles (red / amber / green, change vs the previous period),
// trends, region × service table, complaints, voice of the customer, drill-down to conversations.
import { ApiError, get } from "./api.js";
import { complaintsPanel, matrixPanel, trendsPanel, voicePanel } from "./dashboard_panels.js";
import { describeRow, dimName, fmtChange, fmtValue } from "./dashfmt.js";
import { clear, h, when } from "./dom.js";

const DIMS = ["region", "service", "tier", "channel"];
const PERIODS = ["7d", "30d", "90d"];
const UNKNOWN = "-";

function readQuery() {
  const raw = location.hash.split("?")[1] || "";
  const params = new URLSearchParams(raw);
  const state = { period: params.get("period") || "7d", end: params.get("end") || "" };
  for (const d of DIMS) state[d] = params.get(d) || "";
  if (!PERIODS.includes(state.period)) state.period = "7d";
  return state;
}

function queryOf(state, extra = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...state, ...extra })) if (v !== "" && v !== null && v !== undefined) params.set(k, v);
  return params.toString();
}

export function renderDashboard(ctx, main) {
  const { t } = ctx;
  const state = readQuery();
  let gone = false, data = null;
  const status = h("p", { class: "muted small", id: "dash-status", role: "status" });
  const banner = h("p", { class: "demo-banner", id: "demo-banner", hidden: true, text: t("dash_demo") });
  const filters = h("form", { class: "filters", id: "dash-filters", onsubmit: (e) => e.preventDefault() });
  const tiles = h("div", { class: "tiles", id: "tiles", "aria-live": "polite" });
  const drill = h("section", { class: "panel drill", id: "drill", hidden: true, "aria-labelledby": "drill-title" });
  const panels = h("div", { id: "panels" });
  const voice = h("div", { id: "voice-slot" });
  main.append(
    h("div", { class: "page-head" }, h("h1", { text: t("dash_title") }), status,
      h("button", { type: "button", id: "dash-refresh", class: "small", text: t("dash_refresh"), onclick: () => load() })),
    banner, filters, tiles, drill, panels, voice);

  function setState(changes) {
    Object.assign(state, changes);
    history.replaceState(null, "", `#/dashboard?${queryOf(state)}`);
    load();
  }

  function select(name, label, options) {
    const control = h("select", { id: `f-${name}`, name, onchange: (e) => setState({ [name]: e.target.value }) },
      options.map(([value, text]) => h("option", { value, text, selected: state[name] === value })));
    return h("label", { class: "inline" }, label, " ", control);
  }

  function drawFilters() {
    const opts = (data && data.options) || {};
    const now = new Date(); // the browser's local day (the server checks against its own)
    const today = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    clear(filters).append(
      select("period", t("dash_period"), PERIODS.map((p) => [p, t(`p_${p}`)])),
      h("label", { class: "inline" }, t("dash_end"), " ", h("input", { type: "date", id: "f-end", value: state.end,
        max: today, onchange: (e) => setState({ end: e.target.value }) })),
      ...DIMS.map((d) => select(d, t(`dim_${d}`), [["", t("dash_all")],
        ...(opts[d] || []).map((v) => [v, dimName(v, t)]), [UNKNOWN, t("dash_unknown")]])));
  }

  function tileEl(x) {
    const unit = x.unit;
    const rag = x.status || "none";
    const periodDays = data.period.current.days;
    const target = x.target
      ? t(x.higher_is_better ? "target_higher" : "target_lower",
        { g: fmtValue(x.target.green, unit, t), a: fmtValue(x.target.amber, unit, t) })
      : "";
    const value = x.available
      ? h("button", { type: "button", class: "tile-value link", text: fmtValue(x.value, unit, t),
        title: t("drill_hint"), onclick: () => openDrill(x.key, x.drill) })
      : h("span", { class: "tile-value muted", text: "n/a", title: t("dash_na") });
    return h("section", { class: `tile rag-${rag}`, dataset: { metric: x.key, status: rag } },
      h("h3", { text: t(`m_${x.key}`) }),
      value,
      h("p", { class: `rag rag-text-${rag}`, text: `● ${t(`rag_${rag}`)}` }),
      h("p", { class: `change ${x.better === null ? "" : x.better ? "better" : "worse"}`,
        text: `${fmtChange(x.change, x.change_pct, unit, t)} ${t("vs_previous", { n: periodDays })}` }),
      h("p", { class: "small muted", text: `${target}${target ? " · " : ""}${t("basis", { n: x.n })}` }));
  }

  async function openDrill(metric, kind, extra = {}, heading) {
    drill.hidden = false;
    clear(drill).append(h("h2", { id: "drill-title", text: heading || t("drill_title", { m: t(`m_${metric}`) }) }),
      h("p", { class: "muted", text: "…" }));
    drill.scrollIntoView({ block: "nearest" });
    try {
      const result = await get(`/dashboard/drill?${queryOf(state, { kind, ...extra })}`);
      if (gone) return;
      const rows = result.rows.map((r) => h("tr", { class: "drill-row" },
        h("td", {}, r.conversation_id
          ? h("a", { href: `#/c/${encodeURIComponent(r.conversation_id)}`, text: r.customer })
          : h("span", { text: r.customer })),
        h("td", {}, r.channel ? h("span", { class: `badge ch-${r.channel}`, text: dimName(r.channel, t) }) : null),
        h("td", { class: "small", text: when(r.at, ctx.lang) }),
        h("td", { class: "clip", text: describeRow(kind, r.detail, t) })));
      drill.lastChild.replaceWith(rows.length
        ? h("table", { class: "grid", id: "drill-table" }, h("thead", {}, h("tr", {},
          ["col_customer", "col_channel", "col_time", "col_details"].map((k) => h("th", { scope: "col", text: t(k) })))),
        h("tbody", {}, rows))
        : h("p", { class: "empty", text: t("drill_empty") }));
      drill.append(h("button", { type: "button", class: "small", id: "drill-close", text: t("drill_close"),
        onclick: () => { drill.hidden = true; } }));
    } catch (err) {
      if (!gone) ctx.toast(ctx.describe(err), "error");
    }
  }

  function draw() {
    banner.hidden = !data.demo;
    const cur = data.period.current;
    const asOf = data.rollup.updated_at ? when(data.rollup.updated_at, ctx.lang) : "—";
    status.textContent = t("dash_asof", { first: cur.first, last: cur.last, at: asOf, n: data.rollup.pending_events });
    drawFilters();
    clear(tiles).append(...data.tiles.map(tileEl));
    clear(panels).append(trendsPanel(data, t),
      matrixPanel(data, t, (region, service) => openDrill("csat", "surveys",
        { region: region || UNKNOWN, service: service || UNKNOWN },
        t("drill_cell", { r: dimName(region, t), s: dimName(service, t) }))),
      complaintsPanel(data, t));
  }

  let seq = 0;
  async function load() {
    const mine = ++seq;
    status.textContent = "…";
    try {
      const result = await get(`/dashboard?${queryOf(state)}`);
      if (gone || mine !== seq) return;
      data = result;
      draw();
      clear(voice).append(h("p", { class: "muted", text: t("voc_loading") }));
      const said = await get(`/dashboard/voc?${queryOf(state)}`);
      if (gone || mine !== seq) return;
      clear(voice).append(voicePanel(said, t));
    } catch (err) {
      if (gone || mine !== seq) return;
      if (err instanceof ApiError && err.status === 403) {
        clear(main).append(h("section", { class: "forbidden" },
          h("h1", { id: "forbidden", text: t("forbidden_dashboard") }), h("p", { text: t("forbidden_hint") })));
        gone = true;
      } else {
        status.textContent = ctx.describe(err);
        status.className = "error";
        if (!data) drawFilters();
      }
    }
  }

  const poll = setInterval(load, 5 * 60 * 1000);
  load();
  return { destroy() { gone = true; clearInterval(poll); } };
}
