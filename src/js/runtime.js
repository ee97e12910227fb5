// The JavaScript side of the boundary: small functions that touch values the
// module does not own (the caller's options, signal and callbacks, the
// runtime's fetch and its answers) and never throw. Every one catches what the
// runtime or a hostile value throws and reports it as data, so no exception
// can unwind through wasm (which would leave the instance unusable, or, in a
// microtask, crash the host process).

/** What `describe` answers, one code per kind of value the options may hold. */
const PLAIN = 0, ARRAY = 1, SIGNAL = 2, OTHER = 3, UNREADABLE = 4;

const abortedGetter = typeof AbortSignal === "function"
  ? Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get
  : undefined;

/** The kind of an object `v` (see the codes above); never throws. */
export function describe(v) {
  try {
    if (Array.isArray(v)) return ARRAY;
    if (abortedGetter !== undefined && v instanceof AbortSignal) {
      // A real AbortSignal: the getter checks the internal slot, so an object
      // that only has AbortSignal.prototype in its chain throws here.
      abortedGetter.call(v);
      return SIGNAL;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === null || Object.getPrototypeOf(proto) === null) return PLAIN;
    return OTHER;
  } catch {
    return UNREADABLE;
  }
}

/** `Object.keys(v)`, or `undefined` when reading them throws (a revoked Proxy, a throwing trap). */
export function keys(v) {
  try {
    return Object.keys(v);
  } catch {
    return undefined;
  }
}

/**
 * Reads an options object once: `[key, value, key, value, …]` for its own
 * enumerable keys whose value is not `undefined` (each getter runs once);
 * `null` when it is not a plain object; `{ threw, key }` when reading threw.
 */
export function readOptions(options) {
  if (options === null || typeof options !== "object" || describe(options) !== PLAIN) return null;
  let names;
  try {
    names = Object.keys(options);
  } catch (e) {
    return { threw: e, key: "options" };
  }
  const out = [];
  for (const k of names) {
    let v;
    try {
      v = options[k];
    } catch (e) {
      return { threw: e, key: k };
    }
    if (v !== undefined) out.push(k, v);
  }
  return out;
}

/** `{ ok: v[key] }` or `{ threw: error }`: each getter and trap runs once. */
export function read(v, key) {
  try {
    return { ok: v[key] };
  } catch (e) {
    return { threw: e };
  }
}

/** The length of a string before it is copied into wasm memory, or -1 when it holds a lone surrogate. */
export function stringLength(s) {
  return wellFormed(s) ? s.length : -1;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` is well-formed Unicode (no lone surrogate, which UTF-8 cannot carry). */
function wellFormed(s) {
  return typeof s.isWellFormed === "function" ? s.isWellFormed() : !LONE_SURROGATE.test(s);
}

// ---- AbortSignal: one listener per caller's signal, however many calls share it.

// signal → { handler, calls }: one listener per signal, however many calls share it.
// The handler closes over its own entry (not `this`): a Proxy around a signal
// dispatches with the target as `this`, which must not lose the calls.
const watchers = new WeakMap();

/** Whether `signal` (a real AbortSignal) is aborted; `undefined` if reading it throws. */
export function signalAborted(signal) {
  try {
    return abortedGetter.call(signal);
  } catch {
    return undefined;
  }
}

/** `signal.reason`, or `undefined` when reading it throws. */
export function signalReason(signal) {
  try {
    return signal.reason;
  } catch {
    return undefined;
  }
}

/**
 * Calls `f` once when `signal` aborts. Every call sharing a signal shares one
 * listener on it; `unwatch` removes `f`, and the listener with the last one.
 * Returns false when the listener could not be added.
 */
export function watch(signal, f) {
  try {
    let entry = watchers.get(signal);
    if (entry === undefined) {
      const calls = new Set();
      const handler = () => {
        watchers.delete(signal);
        for (const call of calls) {
          try {
            call();
          } catch {
            // A call's own handler: nothing to report it to.
          }
        }
      };
      entry = { handler, calls };
      EventTarget.prototype.addEventListener.call(signal, "abort", handler, { once: true });
      watchers.set(signal, entry);
    }
    entry.calls.add(f);
    return true;
  } catch {
    return false;
  }
}

/** Stops calling `f` for `signal`. */
export function unwatch(signal, f) {
  try {
    const entry = watchers.get(signal);
    if (entry === undefined) return;
    entry.calls.delete(f);
    if (entry.calls.size === 0) {
      watchers.delete(signal);
      EventTarget.prototype.removeEventListener.call(signal, "abort", entry.handler);
    }
  } catch {
    // The listener stays; it only calls functions that no longer act.
  }
}

// ---- Callbacks the caller gave (token provider, onRetry, onProgress).

/**
 * Calls `f(arg)`. Resolves to `{ ok: value }` or `{ threw: error }`; a
 * thenable result is awaited (its `then` getter or method may throw too).
 */
export function callAsync(f, arg) {
  let result;
  try {
    result = f(arg);
  } catch (e) {
    return Promise.resolve({ threw: e });
  }
  let then;
  try {
    then = result !== null && (typeof result === "object" || typeof result === "function") ? result.then : undefined;
  } catch (e) {
    return Promise.resolve({ threw: e });
  }
  if (typeof then !== "function") return Promise.resolve({ ok: result });
  return new Promise((resolve) => {
    try {
      then.call(result, (v) => resolve({ ok: v }), (e) => resolve({ threw: e }));
    } catch (e) {
      resolve({ threw: e });
    }
  });
}

/** Calls `f(arg)` and ignores what it returns or throws (a rejected promise included). */
export function callAndForget(f, arg) {
  try {
    const r = f(arg);
    if (r !== null && typeof r === "object" && typeof r.then === "function") r.then(undefined, () => {});
  } catch {
    // The caller's callback threw: the contract says it is ignored.
  }
}

/** `{ name, message }` of a thrown value, as text that cannot throw to read. */
export function errorText(e) {
  let name = "", message = "";
  try {
    if (e !== null && (typeof e === "object" || typeof e === "function")) {
      const n = e.name, m = e.message;
      name = typeof n === "string" ? n : "";
      message = typeof m === "string" ? m : "";
      if (name === "" && message === "") message = "a value that is not an Error";
    } else {
      message = typeof e === "string" ? e : String(e);
      name = typeof e;
    }
  } catch {
    message = "a value that could not be read";
  }
  return { name, message };
}

// ---- fetch: gloo-net sends every request through the global `fetch`. The
// package build binds gloo-net's `fetch` to `guardedFetch` below, so that a
// patched or hostile `globalThis.fetch` (one that throws, rejects with a
// string, or resolves with a plain object) ends as an Error gloo-net can read,
// and the runtime's own error object stays reachable for `cause`.

const failures = new WeakMap();

function isResponse(r) {
  try {
    if (!(r instanceof Response)) return false;
    Object.getOwnPropertyDescriptor(Response.prototype, "status").get.call(r);
    return true;
  } catch {
    return false;
  }
}

function failed(request, thrown) {
  if (request !== null && typeof request === "object") failures.set(request, { thrown });
  const { name, message } = errorText(thrown);
  const e = new TypeError(message);
  try {
    if (name !== "" && name !== "TypeError") Object.defineProperty(e, "name", { value: name });
  } catch {}
  return Promise.reject(e);
}

// What fetch is given. The package build (scripts/build.mjs) binds gloo-net's fetch to
// guardedFetch and sets this to true: the Request then carries the method, URL, headers and
// redirect mode, and guardedFetch calls `fetch(request, { signal, body })` with the call's
// signal and the body, which the Fetch standard makes the same request. Measured in Node
// (undici), per request: a Request built with a signal follows it (an AbortController, a
// WeakRef, and a FinalizationRegistry entry holding the signal: 1.1 KB that outlives one
// collection); a Request built with a body makes a ReadableStream of it (about 17 µs of a
// stubbed call); fetch's copy of a Request follows that Request's signal again and pipes a
// body it takes from it through an identity TransformStream (about 200 µs of CPU on loopback).
// Given both in the init, fetch's copy follows only the call's signal and sends the text.
// Elsewhere (the wasm-bindgen test runner's unpatched glue) gloo-net calls the global fetch
// itself, so the Request carries everything.
const BODY_AND_SIGNAL_IN_INIT = false;

/** The init guardedFetch hands to fetch with each Request of makeRequest (BODY_AND_SIGNAL_IN_INIT). */
const inits = new WeakMap();

/** `globalThis.fetch(request, init?)`, settled only with a real Response or an Error. */
export function guardedFetch(request) {
  let p;
  try {
    const init = inits.get(request);
    if (init === undefined) {
      p = globalThis.fetch(request);
    } else {
      inits.delete(request);
      p = globalThis.fetch(request, init);
    }
  } catch (e) {
    return failed(request, e);
  }
  return Promise.resolve(p).then(
    (r) => (isResponse(r) ? r : failed(request, new TypeError("fetch resolved with something that is not a Response"))),
    (e) => failed(request, e),
  );
}

/**
 * The one `Request` of a call's request: `POST` with `body` (and its
 * `Content-Type`) or `GET`; `Accept: application/json`; `Authorization`,
 * `x-cdp-sdk` and `x-cdp-app` when given; `redirect: "manual"`; the call's
 * signal. The body and the signal are on the Request, or kept for guardedFetch's init
 * (BODY_AND_SIGNAL_IN_INIT). No `credentials`, `mode` or `cache` (Cloudflare Workers
 * rejects them).
 */
export function makeRequest(url, authorization, sdk, app, contentType, body, signal) {
  const headers = { Accept: "application/json" };
  if (authorization !== undefined) headers.Authorization = authorization;
  if (sdk !== undefined) headers["x-cdp-sdk"] = sdk;
  if (app !== undefined) headers["x-cdp-app"] = app;
  const init = { method: body === undefined ? "GET" : "POST", headers, redirect: "manual" };
  if (!BODY_AND_SIGNAL_IN_INIT) init.signal = signal;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    if (!BODY_AND_SIGNAL_IN_INIT) init.body = body;
  }
  const request = new Request(url, init);
  if (BODY_AND_SIGNAL_IN_INIT) inits.set(request, body === undefined ? { signal } : { signal, body });
  return request;
}

/** What the failed fetch of `request` threw, as thrown (`{ thrown }`), once. */
export function takeFailure(request) {
  const f = failures.get(request);
  failures.delete(request);
  return f;
}

// ---- Answers: status, the headers the module needs, and the body read to
// the end or to the cap, never more. Always resolves.

/**
 * Reads `response`. Resolves to `[status, redirect, requestId?, retryAfter?,
 * autoRetryable, contentType, body?, tooLarge, failure?]`: `body` the text
 * when it was read whole (UTF-8, strict), `tooLarge` when it passed `cap`
 * bytes (the rest is not read), `failure` what was thrown when it could not
 * be read to the end.
 */
export async function readAnswer(response, cap) {
  // [status, redirect, requestId, retryAfter, autoRetryable, contentType, body, tooLarge, failure]
  const out = [0, false, undefined, undefined, false, "", undefined, false, undefined];
  try {
    const status = response.status;
    out[0] = status;
    out[1] = response.type === "opaqueredirect" || (status >= 300 && status < 400);
    const h = response.headers;
    out[2] = h.get("x-request-id") ?? undefined;
    out[3] = h.get("retry-after") ?? undefined;
    out[4] = (h.get("cdf-is-auto-retryable") ?? "").trim().toLowerCase() === "true";
    out[5] = h.get("content-type") ?? "";
    const lengthHeader = h.get("content-length");
    const length = lengthHeader === null ? NaN : Number(lengthHeader);
    const body = response.body;
    if (length > cap) {
      out[7] = true;
      if (body) body.cancel().catch(() => {});
      return out;
    }
    if (!body) {
      out[6] = "";
      return out;
    }
    // Always streamed, counting bytes: a Content-Length counts compressed bytes
    // (and a browser may hide Content-Encoding), so it cannot bound the body.
    const reader = body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > cap) {
        out[7] = true;
        reader.cancel().catch(() => {});
        return out;
      }
      chunks.push(value);
    }
    let bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(size);
    if (chunks.length !== 1) {
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.byteLength;
      }
    }
    out[6] = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (e) {
    out[8] = e;
  }
  return out;
}

/** The host name the runtime's URL parser makes of `url`, or `undefined`. */
export function hostOf(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
