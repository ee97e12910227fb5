// Shared helpers of the mock CDF server: answers and CDF errors, JSON, names in messages,
// stable ids and numbers from names, and the small rules several endpoints share.

import { createHash } from "node:crypto";

/** Cursors kept per project (the oldest are forgotten first). */
export const MAX_CURSORS = 10_000;
export const MAX_TIMER_MS = 2_147_483_647;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** A UUID (version 4 layout) from 32 hex digits. */
function uuidFromHex(h) {
  const variant = "89ab"[parseInt(h[16], 16) & 3];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
/** A stable UUID for a name (task execution ids). */
export const uuidFor = (name) => uuidFromHex(sha256(name));
/** A stable integer from 1 to max for a name (call ids, job ids…). */
export const intFor = (name, max) => 1 + (parseInt(sha256(name).slice(0, 12), 16) % max);

/** mulberry32: a small deterministic PRNG, floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomUuid(rand) {
  let hex = "";
  for (let i = 0; i < 32; i += 1) hex += Math.floor(rand() * 16).toString(16);
  return uuidFromHex(hex);
}

export function deepFreeze(value) {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

export function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A short, safe rendering of a user-supplied name for error messages. */
export function quote(name) {
  const s = String(name);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/** decodeURIComponent that answers null instead of throwing. */
export function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Parse JSON text: `{ ok: true, value }` or `{ ok: false, error }`. */
export function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: text.trim() === "" ? "body is empty" : err.message };
  }
}

/** A CDF error body. `extra` may add `missing` / `duplicated`. */
export function cdfError(status, message, extra = {}) {
  return { error: { code: status, message, ...extra } };
}

/** An answer: status, headers (null value = remove), body string. */
export function jsonAnswer(status, value, headers = {}) {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}

export function errorAnswer(status, message, extra = {}, headers = {}) {
  return jsonAnswer(status, cdfError(status, message, extra), headers);
}

/** An Accept list that names application/json itself (`*\/*` alone is not enough). */
export function acceptsJson(accept) {
  return accept.split(",").map((r) => r.split(";")[0].trim().toLowerCase()).includes("application/json");
}

/** The first key of `obj` not in `allowed`, or undefined. */
export function unexpectedKey(obj, allowed) {
  return Object.keys(obj).find((k) => !allowed.includes(k));
}

export const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

/** The problem with a workflow external id or version, or null (the API's rules). */
export function identifierProblem(value, where) {
  if (typeof value !== "string") return `${where} must be a string`;
  if (value.length < 1 || value.length > 255) return `${where} must be 1 to 255 characters`;
  if (value.trim() !== value) return `${where} must not have leading or trailing whitespace`;
  if (value.includes("\0")) return `${where} must not contain NUL characters`;
  return null;
}
