// Reading requests and sending answers: bodies (with the 1 MiB limit), request targets, the
// headers every answer carries (request id, CORS), and the ways an answer can be cut short.

import { errorAnswer } from "./util.mjs";

/** Request bodies above this size are answered with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** An oversized upload is drained (so the client can read the 413) up to this size, then cut off. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

export const CORS_EXPOSE_HEADERS = "x-request-id, retry-after, cdf-is-auto-retryable";

/** Headers every answer carries, overridden by the answer's own (null removes). */
export function buildHeaders(ctx, own = {}) {
  const merged = {
    "x-request-id": ctx.requestId,
    "access-control-allow-origin": "*",
    "access-control-expose-headers": CORS_EXPOSE_HEADERS,
  };
  for (const [name, value] of Object.entries(own)) {
    const key = name.toLowerCase();
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = String(value);
  }
  return merged;
}

export function logLine(ctx, status) {
  if (ctx.state.options.quiet) return;
  const { method, url } = ctx.req;
  process.stderr.write(`[mock] ${method} ${url} -> ${status} (${ctx.requestId})\n`);
}

/** Record the status in the request log entry (API requests only). */
function recordStatus(ctx, status) {
  if (ctx.logEntry) ctx.logEntry.status = status;
}

/** Send a complete answer, unless the client is gone or an answer already started. */
export function send(ctx, answer, { close = false } = {}) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed || ctx.gone) return;
  const headers = buildHeaders(ctx, answer.headers);
  const body = answer.body ?? "";
  if (answer.status !== 204 && answer.status !== 304) headers["content-length"] = String(Buffer.byteLength(body));
  if (close) headers.connection = "close";
  recordStatus(ctx, answer.status);
  logLine(ctx, answer.status);
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** Send status and headers, then never the body (scripted `headersThenHang`). */
export function sendHeadersOnly(ctx, answer) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed || ctx.gone) return;
  const headers = buildHeaders(ctx, answer.headers);
  delete headers["content-length"];
  recordStatus(ctx, answer.status);
  logLine(ctx, `${answer.status} (headers only, hanging)`);
  res.writeHead(answer.status, headers);
  res.flushHeaders();
}

/**
 * Send status, headers (with the full Content-Length) and only the first `bytes` bytes of the
 * body (at most all but its last byte), then drop the connection: a body that cannot be read
 * to the end (scripted `truncateAfter`).
 */
export function sendTruncated(ctx, answer, bytes) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed || ctx.gone) return;
  const headers = buildHeaders(ctx, answer.headers);
  const body = Buffer.from(answer.body ?? "");
  const cut = body.subarray(0, Math.min(bytes, Math.max(0, body.length - 1)));
  headers["content-length"] = String(Math.max(body.length, cut.length + 1));
  recordStatus(ctx, answer.status);
  logLine(ctx, `${answer.status} (truncated after ${cut.length} bytes)`);
  res.writeHead(answer.status, headers);
  res.write(cut, () => ctx.req.socket.destroy());
}

/** Drop the connection without an answer (TCP RST where supported). */
export function resetSocket(ctx) {
  logLine(ctx, "reset");
  const socket = ctx.req.socket;
  try {
    if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}

/**
 * Read the body as UTF-8 text, keeping at most MAX_BODY_BYTES.
 * Resolves `{ text, tooLarge, cutOff }`, or null when the client went away first.
 * An oversized body is drained (so the client can read the 413) up to MAX_DRAIN_BYTES,
 * then the 413 is sent at once (`cutOff`) and the connection closed.
 */
export function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let settled = false;
    const finish = (value) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    const result = (cutOff) => ({
      text: Buffer.concat(chunks).toString("utf8"),
      tooLarge: size > MAX_BODY_BYTES,
      cutOff,
    });
    req.on("data", (chunk) => {
      if (settled) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) finish(result(true));
    });
    req.on("end", () => finish(result(false)));
    req.on("error", () => finish(null));
    req.on("close", () => finish(null)); // no-op after "end"
  });
}

/** Send the 413 for an oversized body. */
export function sendTooLarge(ctx) {
  send(ctx, errorAnswer(413, `Request body exceeds the limit of ${MAX_BODY_BYTES} bytes`), { close: true });
}

/** Split a request target into its raw path and query. Null when malformed. */
export function parseTarget(raw) {
  if (typeof raw !== "string") return null;
  if (raw.startsWith("/")) {
    const q = raw.search(/[?#]/);
    return q < 0 ? { pathname: raw, search: "" } : { pathname: raw.slice(0, q), search: raw.slice(q).split("#")[0] };
  }
  try {
    const u = new URL(raw); // absolute-form target
    return { pathname: u.pathname, search: u.search };
  } catch {
    return null;
  }
}

/** Consume and discard a request body we do not need. */
export async function drain(req) {
  const body = await readBody(req);
  return body !== null;
}
