// One conversation: history, composer (reply + canned replies), notes, actions, profile panel.
import { ApiError, get, post } from "./api.js";
import { clear, duration, h, when } from "./dom.js";
import { historyNodes } from "./history.js";
import { channelBadge } from "./queue.js";

let cannedCache = null;
let agentsCache = null;

const listOf = (data) => (Array.isArray(data) ? data : (data && data.items) || []);

function card(title, ...children) {
  return h("section", { class: "card" }, h("h2", { text: title }), children);
}

function dl(pairs) {
  return h("dl", { class: "kv" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v instanceof Node ? v : String(v))]));
}

function customerLang(data, fallback) {
  const events = data.events || [];
  for (let i = events.length - 1; i >= 0; i--) {
    const d = events[i].data || {};
    if (events[i].type === "message_in" && (d.lang === "zh" || d.lang === "en")) return d.lang;
  }
  const c = data.conversation || {}, p = data.customer || {};
  return c.lang || p.lang || fallback;
}

export function renderConversation(ctx, main, id) {
  const { t } = ctx;
  const path = `/conversations/${encodeURIComponent(id)}`;
  let data = null, loading = false, again = false, gone = false, showInternals = false;

  const head = h("div", { class: "conv-head" });
  const windowBox = h("p", { id: "window", class: "window", role: "status" });
  const history = h("div", { id: "history", class: "history", role: "log", "aria-label": t("history") });
  const internals = h("input", { type: "checkbox", id: "internals", onchange: (e) => {
    showInternals = e.target.checked; drawHistory();
  } });

  // -- composer
  const reply = h("textarea", { id: "reply-text", rows: 3, placeholder: t("reply_placeholder") });
  const send = h("button", { type: "submit", id: "send-reply", class: "primary", text: t("send") });
  const cannedList = h("div", { class: "canned-list", id: "canned-list" });
  const cannedFilter = h("input", { type: "search", id: "canned-filter", placeholder: t("canned_filter"),
    "aria-label": t("canned_filter"), oninput: () => drawCanned() });
  const canned = h("details", { id: "canned", class: "canned", ontoggle: () => { if (canned.open) loadCanned(); } },
    h("summary", { text: t("canned") }), cannedFilter, cannedList);
  const composer = h("form", { id: "reply-form", class: "composer", onsubmit: onReply },
    h("label", { for: "reply-text", text: t("reply_label") }), reply,
    h("div", { class: "composer-bar" }, canned, h("span", { class: "muted small", text: t("send_hint") }), send));
  reply.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); composer.requestSubmit(); }
  });

  // -- side panel
  const actions = h("div", { id: "actions", class: "actions-box" });
  const profile = h("div", { id: "profile" });
  const notes = h("ul", { id: "notes", class: "notes" });
  const noteText = h("textarea", { id: "note-text", rows: 2 });
  const noteForm = h("form", { id: "note-form", onsubmit: onNote },
    h("label", { for: "note-text", text: t("note_label") }), noteText,
    h("button", { type: "submit", id: "add-note", text: t("add_note") }));

  main.append(h("div", { class: "conv" },
    h("section", { class: "conv-main", "aria-label": t("conversation") }, head, windowBox,
      h("div", { class: "history-tools" }, h("label", { class: "check" }, internals, t("show_internals"))),
      history, composer),
    h("aside", { class: "conv-side", "aria-label": t("customer") },
      card(t("actions"), actions), h("div", {}, profile), card(t("notes"), notes, noteForm))));

  function drawHead() {
    const c = data.conversation || {};
    const p = data.customer || {};
    const name = p.name || p.display_name || c.customer_name || t("anonymous");
    clear(head).append(
      h("a", { href: "#/queue", class: "back", text: `← ${t("nav_queue")}` }),
      h("h1", { text: name }),
      channelBadge(t, c.channel),
      h("span", { class: `badge status-${c.status}`, id: "conv-status", text: t(`status_${c.status}`, {}, c.status) }),
      c.assigned_agent ? h("span", { class: "muted", text: `${t("col_agent")}: ${c.assigned_agent}` }) : null);
    const w = c.window || {};
    windowBox.className = "window";
    if ((w.channel || c.channel) !== "wechat") {
      windowBox.textContent = t("window_always");
    } else if (w.window_open) {
      const left = w.window_expires_at ? (new Date(w.window_expires_at) - Date.now()) / 1000 : null;
      windowBox.textContent = left === null ? t("window_open")
        : t("window_closes", { left: duration(left, ctx.lang) });
      windowBox.classList.add(left !== null && left < 6 * 3600 ? "amber" : "green");
    } else {
      windowBox.textContent = t("window_closed");
      windowBox.classList.add("red");
    }
  }

  function drawHistory() {
    const atBottom = history.scrollHeight - history.scrollTop - history.clientHeight < 40;
    clear(history).append(...historyNodes(ctx, data.events || [], { internals: showInternals }));
    if (atBottom || !history.dataset.drawn) history.scrollTop = history.scrollHeight;
    history.dataset.drawn = "1";
  }

  function drawActions() {
    const c = data.conversation || {};
    const me = ctx.user.username;
    const mineNow = c.status === "agent" && c.assigned_agent === me;
    const boss = ctx.can("supervisor", "admin");
    const box = clear(actions);
    if (c.status === "queued" || (boss && c.status === "agent" && !mineNow)) {
      box.append(h("button", { type: "button", id: "claim", class: "primary", text: t("claim"),
        onclick: () => act("claim", {}, t("claimed")) }));
    }
    if (c.status === "agent" && (mineNow || boss)) {
      const select = h("select", { id: "transfer-to" }, h("option", { value: "", text: t("choose_agent") }));
      const fill = (agents) => {
        for (const a of agents) {
          if (a.username !== c.assigned_agent) {
            select.append(h("option", { value: a.username, text: `${a.display_name || a.username} (${t(`role_${a.role}`, {}, a.role)})` }));
          }
        }
      };
      if (agentsCache) fill(agentsCache);
      else get("/agents").then((a) => { agentsCache = listOf(a); fill(agentsCache); }).catch(() => {});
      const survey = h("input", { type: "checkbox", id: "survey" });
      box.append(
        h("div", { class: "field-row" }, h("label", { for: "transfer-to", text: t("transfer_to") }), select,
          h("button", { type: "button", id: "transfer", text: t("transfer"), onclick: () => {
            if (!select.value) { select.focus(); return; }
            act("transfer", { to: select.value }, t("transferred"));
          } })),
        h("div", { class: "field-row" }, h("label", { class: "check" }, survey, t("start_survey")),
          h("button", { type: "button", id: "release", text: t("release"), onclick: () =>
            act("release", { survey: survey.checked }, t("released")) })));
    }
    if (c.status === "agent" && (mineNow || boss)) {
      // Two clicks, no modal dialog: the first one asks, the second one closes.
      const closeButton = h("button", { type: "button", id: "close", class: "danger", text: t("close_conv"),
        onclick: () => {
          if (closeButton.dataset.armed) { act("close", {}, t("closed")); return; }
          closeButton.dataset.armed = "1";
          closeButton.textContent = t("close_confirm");
          setTimeout(() => { delete closeButton.dataset.armed; closeButton.textContent = t("close_conv"); }, 4000);
        } });
      box.append(closeButton);
    }
    composer.hidden = !mineNow; // only the assigned agent replies (a supervisor claims first)
    if (!box.firstChild) box.append(h("p", { class: "muted", text: t("no_actions") }));
  }

  function drawProfile() {
    const p = data.customer || {};
    const expiring = p.expiring && p.expiring.points
      ? t("points_expiring", { n: p.expiring.points, d: p.expiring.within_days }) : null;
    const identities = (p.identities || []).map((i) => typeof i === "string" ? i
      : `${t(`ch_${i.channel}`, {}, i.channel)}${i.display_name ? " · " + i.display_name : ""}`);
    const bookings = data.bookings || [];
    const tickets = (data.tickets || []).filter((x) => !["closed"].includes(x.status));
    clear(profile).append(
      card(t("profile"), dl([
        [t("tier"), p.tier ? h("span", { class: `badge tier-${p.tier}`, text: p.tier }) : "—"],
        [t("points"), p.points ?? "—"],
        [t("expiring"), expiring],
        [t("completed"), p.completed_services],
        [t("milestones"), (p.milestones || []).join(", ")],
        [t("region"), p.region],
        [t("lang"), p.lang],
        [t("identities"), identities.join("; ")],
      ]), (p.preferences || []).length ? h("div", {}, h("h3", { text: t("preferences") }),
        h("ul", { class: "plain", id: "preferences" }, p.preferences.map((x) =>
          h("li", { text: typeof x === "string" ? x : x.text || JSON.stringify(x) })))) : null),
      card(t("bookings"), bookings.length ? h("ul", { class: "plain", id: "bookings" }, bookings.map((b) =>
        h("li", {}, h("strong", { text: b.booking_id || b.public_id || b.id || "" }), " ",
          [t(`svc_${b.service}`, {}, b.service), [b.day, b.slot].filter(Boolean).join(" "),
            t(`bstatus_${b.status}`, {}, b.status)]
            .filter(Boolean).join(" · "))))
        : h("p", { class: "muted", text: t("none") })),
      card(t("open_tickets"), tickets.length ? h("ul", { class: "plain", id: "conv-tickets" }, tickets.map((x) =>
        h("li", {}, h("strong", { text: x.ticket_id || x.public_id || "" }), " ",
          [t(`topic_${x.topic}`, {}, x.topic), t(`sev_${x.severity}`, {}, x.severity),
            t(`tstatus_${x.status}`, {}, x.status)].filter(Boolean).join(" · "))))
        : h("p", { class: "muted", text: t("none") })));
  }

  function drawNotes() {
    clear(notes).append(...(data.notes || []).map((n) => h("li", {},
      h("div", { class: "text", text: n.text }),
      h("div", { class: "meta", text: `${n.author || ""} · ${when(n.at || n.ts, ctx.lang)}` }))));
    if (!notes.firstChild) notes.append(h("li", { class: "muted", text: t("no_notes") }));
  }

  function drawCanned() {
    const lang = customerLang(data || {}, ctx.lang);
    const query = cannedFilter.value.trim().toLowerCase();
    clear(cannedList);
    for (const item of cannedCache || []) {
      const q = item.question || {}, a = item.answer || {};
      const question = q[ctx.lang] || q[lang] || q.zh || q.en || item.id;
      const answer = a[lang] || a.zh || a.en || "";
      if (query && !`${question} ${answer} ${item.id}`.toLowerCase().includes(query)) continue;
      cannedList.append(h("button", { type: "button", class: "canned-item", dataset: { id: item.id },
        onclick: () => { reply.value = answer; canned.open = false; reply.focus(); } },
      h("strong", { text: question }), h("span", { class: "muted small", text: answer })));
    }
    if (!cannedList.firstChild) cannedList.append(h("p", { class: "muted", text: t("none") }));
  }

  async function loadCanned() {
    if (!cannedCache) {
      try { cannedCache = listOf(await get("/canned")); } catch (err) { ctx.toast(ctx.describe(err), "error"); }
    }
    drawCanned();
  }

  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      data = await get(path);
      if (gone) return;
      drawHead(); drawHistory(); drawActions(); drawProfile(); drawNotes();
    } catch (err) {
      if (gone) return;
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
        clear(main).append(h("h1", { id: "forbidden", text: err.status === 404 ? t("conv_missing") : t("forbidden_conv") }));
        gone = true;
      } else ctx.toast(ctx.describe(err), "error");
    } finally {
      loading = false;
      if (again && !gone) { again = false; load(); }
    }
  }

  async function act(name, body, done) {
    try {
      const result = await post(`${path}/${name}`, body);
      ctx.toast(done);
      if (name === "close" || (name === "release") || (name === "transfer" && !ctx.can("supervisor", "admin"))) {
        ctx.go("#/queue");
        return result;
      }
      await load();
      return result;
    } catch (err) {
      ctx.toast(ctx.describe(err), "error");
      load();
      return null;
    }
  }

  async function onReply(event) {
    event.preventDefault();
    const text = reply.value.trim();
    if (!text) { reply.focus(); return; }
    send.disabled = true;
    try {
      const result = await post(`${path}/reply`, { text });
      reply.value = "";
      if (result && result.skipped_reason) ctx.toast(t("reply_skipped", { why: result.skipped_reason }), "error");
      else if (result && result.window_open === false) ctx.toast(t("window_closed"), "error");
      await load();
    } catch (err) {
      ctx.toast(ctx.describe(err), "error");
    } finally {
      send.disabled = false;
      reply.focus();
    }
  }

  async function onNote(event) {
    event.preventDefault();
    const text = noteText.value.trim();
    if (!text) { noteText.focus(); return; }
    try {
      await post(`${path}/note`, { text });
      noteText.value = "";
      await load();
    } catch (err) {
      ctx.toast(ctx.describe(err), "error");
    }
  }

  const clock = setInterval(() => { if (data) drawHead(); }, 60000);
  load();
  return {
    onEvent(evt) {
      if (!evt.conversation_id || String(evt.conversation_id) === String(id)) load();
    },
    destroy() { gone = true; clearInterval(clock); },
  };
}
