// Careline agent console: login, header, hash router, live updates (SSE), toasts.
import { ApiError, describe, get, post, setCsrf } from "./api.js";
import { $, clear, h } from "./dom.js";
import { applyStatic, getLang, setLang, t } from "./i18n.js";
import { renderQueue } from "./queue.js";
import { renderConversation } from "./conversation.js";
import { renderTickets } from "./tickets.js";
import { renderAdmin } from "./admin.js";
import { renderDashboard } from "./dashboard.js";

const ctx = {
  user: null,
  view: null, // {onEvent(evt), destroy()} of the current page
  stream: null,
  t,
  get lang() { return getLang(); },
  toast,
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  can(...roles) { return Boolean(ctx.user) && roles.includes(ctx.user.role); },
  describe,
  logout,
};
window.careline = ctx; // for debugging in the browser's console only

// -- toasts ---------------------------------------------------------------------------------

let toastTimer = null;
function toast(message, kind = "info") {
  const el = $("#toast");
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === "error" ? 7000 : 3500);
}

// -- login / logout ---------------------------------------------------------------------------

function showLogin(message) {
  stopStream();
  destroyView();
  ctx.user = null;
  setCsrf(null);
  $("#top").hidden = true;
  clear($("#view"));
  $("#login").hidden = false;
  const error = $("#login-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("#password").value = "";
  $("#username").focus();
}

function signedIn(me) {
  ctx.user = me.user;
  setCsrf(me.csrf_token);
  $("#login").hidden = true;
  $("#top").hidden = false;
  renderChrome();
  startStream();
  route();
}

function renderChrome() {
  const user = ctx.user;
  $("#whoami").textContent = `${user.display_name || user.username} · ${t(`role_${user.role}`)}`;
  for (const link of document.querySelectorAll("#nav a[data-roles]")) {
    link.hidden = !link.dataset.roles.split(" ").includes(user.role);
  }
}

async function onLogin(event) {
  event.preventDefault();
  const username = $("#username").value.trim();
  const password = $("#password").value;
  const error = $("#login-error");
  if (!username || !password) {
    error.textContent = t("login_missing");
    error.hidden = false;
    return;
  }
  const button = $("#login-submit");
  button.disabled = true;
  try {
    const me = await post("/login", { username, password });
    signedIn(me);
  } catch (err) {
    let message = describe(err);
    if (err instanceof ApiError && err.status === 401) message = t("login_bad");
    if (err instanceof ApiError && err.status === 429) {
      const seconds = err.retryAfter || Number(err.body.retry_after) || 60;
      message = t("login_throttled", { n: Math.max(1, Math.ceil(seconds / 60)) });
    }
    error.textContent = message;
    error.hidden = false;
    $("#password").select();
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  try { await post("/logout"); } catch { /* the session may already be gone */ }
  location.hash = "";
  showLogin("");
}

// -- live updates ---------------------------------------------------------------------------

const EVENT_TYPES = ["handoff", "message", "status", "ticket"];

function startStream() {
  stopStream();
  if (!window.EventSource) return;
  const source = new EventSource("/api/console/stream");
  ctx.stream = source;
  const live = $("#live");
  const deliver = (e) => {
    let data;
    try { data = JSON.parse(e.data); } catch { return; }
    if (!data || typeof data !== "object") return;
    if (!data.type && e.type !== "message") data.type = e.type;
    if (data.event === "sla_warning" || data.event === "sla_breached") {
      ctx.toast(t(data.event, { id: data.ticket_id || "" }), data.event === "sla_breached" ? "error" : "");
    }
    if (ctx.view && ctx.view.onEvent) ctx.view.onEvent(data);
  };
  source.onmessage = deliver;
  for (const type of EVENT_TYPES) {
    if (type !== "message") source.addEventListener(type, deliver);
  }
  source.onopen = () => {
    live.textContent = t("live_on");
    live.className = "live on";
  };
  source.onerror = async () => {
    live.textContent = t("live_retry");
    live.className = "live off";
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (signed out?) — check the session, then retry.
      try {
        await get("/me");
        setTimeout(() => { if (ctx.stream === source) startStream(); }, 2000);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) showLogin(t("session_ended"));
      }
    }
  };
}

function stopStream() {
  if (ctx.stream) ctx.stream.close();
  ctx.stream = null;
}

// -- router ---------------------------------------------------------------------------------

function destroyView() {
  if (ctx.view && ctx.view.destroy) ctx.view.destroy();
  ctx.view = null;
}

function route() {
  if (!ctx.user) return;
  // "#/dashboard?period=30d": the part after "?" is the page's own state
  const path = location.hash.replace(/^#\/?/, "").split("?")[0];
  const parts = (path || "queue").split("/").map(decodeURIComponent);
  const [name, ...rest] = parts;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.route === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  destroyView();
  const main = clear($("#view"));
  main.dataset.view = name;
  const pages = {
    queue: () => renderQueue(ctx, main, { mine: false }),
    mine: () => renderQueue(ctx, main, { mine: true }),
    c: () => renderConversation(ctx, main, rest[0]),
    tickets: () => renderTickets(ctx, main),
    dashboard: () => renderDashboard(ctx, main),
    admin: () => renderAdmin(ctx, main, rest),
  };
  const page = pages[name];
  if (!page) {
    main.append(h("h1", { text: t("not_found") }));
    return;
  }
  ctx.view = page() || null;
}

// -- start ----------------------------------------------------------------------------------

function toggleLang() {
  setLang(getLang() === "zh" ? "en" : "zh");
  applyStatic();
  if (ctx.user) {
    renderChrome();
    route();
  }
}

async function boot() {
  applyStatic();
  $("#login-form").addEventListener("submit", onLogin);
  $("#logout").addEventListener("click", logout);
  $("#lang").addEventListener("click", toggleLang);
  $("#login-lang").addEventListener("click", toggleLang);
  window.addEventListener("hashchange", route);
  try {
    signedIn(await get("/me"));
  } catch (err) {
    showLogin(err instanceof ApiError && err.status === 401 ? "" : describe(err));
  }
}

boot();
