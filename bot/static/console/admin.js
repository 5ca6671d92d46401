// Admin: users, scripts (editor with check, save, versions and rollback), audit log.
import { ApiError, get, patch, post, put } from "./api.js";
import { clear, h, when } from "./dom.js";

const ROLES = ["agent", "supervisor", "admin"];
const listOf = (data, key) => (Array.isArray(data) ? data : (data && (data[key] || data.items)) || []);
const scriptPath = (name) => `/scripts/${name.split("/").map(encodeURIComponent).join("/")}`;

export function renderAdmin(ctx, main, rest) {
  const { t } = ctx;
  const tab = rest[0] || "users";
  let gone = false;
  const tabs = h("nav", { class: "tabs", "aria-label": t("nav_admin") },
    ["users", "scripts", "audit"].map((name) => h("a", { href: `#/admin/${name}`, "aria-current": name === tab ? "page" : null,
      text: t(`admin_${name}`) })));
  const panel = h("div", { id: "admin-panel" });
  main.append(h("div", { class: "page-head" }, h("h1", { text: t("nav_admin") })), tabs, panel);

  function failed(err) {
    if (gone) return;
    if (err instanceof ApiError && (err.status === 403 || err.status === 401)) {
      gone = true;
      clear(main).append(h("div", { class: "forbidden", id: "forbidden", role: "alert" },
        h("h1", { text: t("forbidden_admin") }), h("p", { class: "muted", text: t("forbidden_hint") }),
        h("a", { href: "#/queue", text: t("nav_queue") })));
    } else ctx.toast(ctx.describe(err), "error");
  }

  // -- users ------------------------------------------------------------------------------
  async function users() {
    const body = h("tbody", {});
    const name = h("input", { id: "new-username", required: true, autocomplete: "off" });
    const display = h("input", { id: "new-display" });
    const role = h("select", { id: "new-role" }, ROLES.map((r) => h("option", { value: r, text: t(`role_${r}`) })));
    const password = h("input", { id: "new-password", type: "password", autocomplete: "new-password", required: true });
    const form = h("form", { class: "inline-form card", id: "user-form", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await post("/users", { username: name.value.trim(), display_name: display.value.trim() || null,
          role: role.value, password: password.value });
        ctx.toast(t("user_created", { u: name.value.trim() }));
        form.reset();
        load();
      } catch (err) { failed(err); }
    } },
    h("h2", { text: t("user_new") }),
    h("label", { for: "new-username", text: t("username") }), name,
    h("label", { for: "new-display", text: t("display_name") }), display,
    h("label", { for: "new-role", text: t("role") }), role,
    h("label", { for: "new-password", text: t("password") }), password,
    h("button", { type: "submit", class: "primary", text: t("create") }));
    clear(panel).append(h("table", { class: "grid", id: "users-table" }, h("thead", {}, h("tr", {},
      ["username", "display_name", "role", "col_active", "col_last_login", ""].map((k) => h("th", { scope: "col", text: k ? t(k) : "" })))),
    body), form);

    async function change(u, values) {
      try {
        await patch(`/users/${encodeURIComponent(u.username)}`, values);
        ctx.toast(t("user_updated", { u: u.username }));
      } catch (err) { failed(err); }
      load();
    }

    async function load() {
      try {
        const list = listOf(await get("/users"), "users");
        clear(body).append(...list.map((u) => {
          const select = h("select", { "aria-label": `${t("role")} ${u.username}`, onchange: (e) => change(u, { role: e.target.value }) },
            ROLES.map((r) => h("option", { value: r, selected: r === u.role, text: t(`role_${r}`) })));
          const active = u.active !== false;
          return h("tr", { dataset: { user: u.username }, class: active ? "" : "inactive" },
            h("td", { text: u.username }), h("td", { text: u.display_name || "" }), h("td", {}, select),
            h("td", { text: active ? t("yes") : t("no") }), h("td", { text: when(u.last_login_at, ctx.lang) }),
            h("td", {}, u.username === ctx.user.username ? null : h("button", { type: "button",
              text: active ? t("disable") : t("enable"), onclick: () => change(u, { active: !active }) })));
        }));
      } catch (err) { failed(err); }
    }
    await load();
  }

  // -- scripts ----------------------------------------------------------------------------
  async function scripts(name) {
    let list;
    try { list = listOf(await get("/scripts"), "scripts"); } catch (err) { failed(err); return; }
    const names = list.map((s) => (typeof s === "string" ? s : s.name));
    const side = h("ul", { class: "plain script-list", id: "script-list" }, names.map((n) => h("li", {},
      h("a", { href: `#/admin/scripts/${n.split("/").map(encodeURIComponent).join("/")}`,
        "aria-current": n === name ? "page" : null, text: n }))));
    const editorBox = h("div", { class: "editor-box" });
    clear(panel).append(h("div", { class: "scripts" }, h("nav", { "aria-label": t("admin_scripts") }, side), editorBox));
    if (!name) {
      editorBox.append(h("p", { class: "muted", text: t("pick_script") }));
      return;
    }
    const editor = h("textarea", { id: "script-editor", spellcheck: "false", rows: 28, "aria-label": name });
    const errors = h("ul", { id: "script-errors", class: "errors", "aria-live": "polite" });
    const comment = h("input", { id: "script-comment", placeholder: t("comment_placeholder") });
    const versions = h("ul", { id: "script-versions", class: "plain versions" });

    function showErrors(list, ok, warnings = []) {
      clear(errors);
      errors.className = ok ? "errors ok" : "errors";
      if (ok) errors.append(h("li", { text: t("check_ok") }));
      for (const w of warnings || []) {
        errors.append(h("li", { class: "warning" }, h("code", { text: `${w.file || name}:${w.line ?? "?"}` }), ": ",
          h("span", { text: `${t("warning")}: ${w.message || ""}` }), w.hint ? h("div", { class: "hint", text: `${t("hint")}: ${w.hint}` }) : null));
      }
      if (ok) return;
      for (const e of list || []) {
        errors.append(h("li", {}, h("code", { text: `${e.file || name}:${e.line ?? "?"}` }), ": ",
          h("span", { text: e.message || "" }), e.hint ? h("div", { class: "hint", text: `${t("hint")}: ${e.hint}` }) : null));
      }
    }

    async function open() {
      try {
        const data = await get(scriptPath(name));
        editor.value = data.content || "";
        clear(versions).append(...(data.versions || []).map((v, i) => h("li", {},
          h("span", { text: `#${v.version_id ?? v.id} · ${when(v.created_at || v.at, ctx.lang)} · ${v.author || ""}` }),
          v.comment ? h("div", { class: "muted small", text: v.comment }) : null,
          i === 0 ? h("span", { class: "badge", text: t("current") }) : h("button", { type: "button", class: "rollback",
            text: t("rollback"), onclick: () => rollback(v.version_id ?? v.id) }))));
        if (!versions.firstChild) versions.append(h("li", { class: "muted", text: t("no_versions") }));
      } catch (err) { failed(err); }
    }

    async function check() {
      try {
        const result = await post(`${scriptPath(name)}/check`, { content: editor.value });
        showErrors(result.errors, result.ok, result.warnings);
        return result.ok;
      } catch (err) { failed(err); return false; }
    }

    async function save() {
      if (!comment.value.trim()) { comment.focus(); ctx.toast(t("comment_needed"), "error"); return; }
      try {
        const result = await put(scriptPath(name), { content: editor.value, comment: comment.value.trim() });
        ctx.toast(t("saved"));
        comment.value = "";
        showErrors([], true, result && result.warnings);
        open();
      } catch (err) {
        if (err instanceof ApiError && err.body && Array.isArray(err.body.errors)) {
          showErrors(err.body.errors, false, err.body.warnings);
          ctx.toast(t("not_saved"), "error");
        } else failed(err);
      }
    }

    async function rollback(versionId) {
      try {
        await post(`${scriptPath(name)}/rollback`, { version_id: versionId });
        ctx.toast(t("rolled_back", { v: versionId }));
        open();
      } catch (err) {
        if (err instanceof ApiError && err.body && Array.isArray(err.body.errors)) showErrors(err.body.errors, false);
        else failed(err);
      }
    }

    editorBox.append(h("h2", { text: name }), editor,
      h("div", { class: "editor-bar" },
        h("button", { type: "button", id: "script-check", text: t("check"), onclick: check }),
        h("label", { for: "script-comment", class: "sr-only", text: t("comment") }), comment,
        h("button", { type: "button", id: "script-save", class: "primary", text: t("save"), onclick: save })),
      errors, h("h3", { text: t("versions") }), versions);
    editor.addEventListener("keydown", (e) => {
      if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey) { // indent instead of leaving the field
        e.preventDefault();
        editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
      }
    });
    await open();
  }

  // -- audit ------------------------------------------------------------------------------
  async function audit() {
    try {
      const list = listOf(await get("/audit"), "entries");
      clear(panel).append(h("table", { class: "grid audit", id: "audit-table" },
        h("thead", {}, h("tr", {}, ["col_time", "col_actor", "col_action", "col_target", "col_details", "IP"]
          .map((k) => h("th", { scope: "col", text: k === "IP" ? k : t(k) })))),
        h("tbody", {}, list.map((a) => h("tr", {},
          h("td", { text: when(a.at, ctx.lang) }), h("td", { text: a.actor }), h("td", { text: a.action }),
          h("td", { text: a.target || "" }),
          h("td", {}, h("code", { class: "small", text: a.details ? JSON.stringify(a.details) : "" })),
          h("td", { text: a.ip || "" }))))));
    } catch (err) { failed(err); }
  }

  if (tab === "scripts") scripts(rest.slice(1).join("/"));
  else if (tab === "audit") audit();
  else users();
  return { destroy() { gone = true; } };
}
