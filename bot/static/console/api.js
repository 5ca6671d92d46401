// The console JSON API: same-origin fetch with the session cookie; X-CSRF-Token on writes.

const BASE = "/api/console";
let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.detail)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export function setCsrf(token) {
  csrf = token || null;
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch (err) {
    throw new ApiError(0, { message: String(err) });
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.retryAfter = Number(response.headers.get("Retry-After")) || null;
    throw error;
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const put = (path, body) => api("PUT", path, body);
export const patch = (path, body) => api("PATCH", path, body);

/** A human-readable message for an API error (the server's message when it gave one). */
export function describe(err) {
  if (!(err instanceof ApiError)) return String(err);
  const detail = err.body && (err.body.message || err.body.detail);
  if (typeof detail === "string") return `${err.status ? err.status + " — " : ""}${detail}`;
  if (Array.isArray(detail)) return `${err.status} — ${detail.map((d) => d.msg || d).join("; ")}`;
  return err.status ? `HTTP ${err.status}` : err.message;
}
