// The runtime entries of the package, as source text (used by scripts/build.mjs).
//
// None of them instantiates the .wasm at import: each exported function loads it on
// its first call (one shared load, whatever the number of concurrent first calls),
// and a load that fails rejects that call with a CdfError of kind "network" (the
// .wasm URL and status, or the Content-Security-Policy directive to fix) while a
// later call tries again. `isCdfError` and `CdfError` come from errors.js, which
// never loads the wasm. `clientCredentialsToken` returns its provider at once.
//
//   browser.js  a barrel: errors.js + lazy.js (a bundler that skips unused re-exports
//               of a side-effect-free barrel, e.g. rolldown's lazyBarrel, never even
//               reads lazy.js for `import { isCdfError }`)
//   lazy.js     fetches the .wasm next to it and imports the glue with a dynamic
//               import() on the first call, so bundlers split them off
//   node.js     reads the .wasm from disk on the first call (no top-level await: require(esm) works)
//   workerd.js  the runtime's compiled module, instantiated on the first call
//
// A synchronous function (SYNCHRONOUS: groupFailures) returns its result or throws. Node and
// workerd instantiate the module synchronously on its first call, so it just works there (a
// load failure is thrown, as the same CdfError of kind "network"). A browser cannot load the
// .wasm synchronously: before the module has loaded, lazy.js throws a CdfError of kind
// "network" (retryable: true, attempts: 0, no operation) saying so, and starts the load, so
// the same call works once any call of the package has settled.

/** Functions of the glue that return something synchronously: wrapped as a lazy provider. */
export const PROVIDER_FACTORIES = new Set(["clientCredentialsToken"]);
/** Exports of the glue the entries never re-export (errors.js provides them). */
export const FROM_ERRORS = new Set(["isCdfError", "CdfError"]);
/** Functions of the glue that return their result (or throw) instead of a promise. */
export const SYNCHRONOUS = new Set(["groupFailures"]);

/** The first parameter's name in a parameter list such as "options" or "a, b". */
function first(params) {
  const name = params.split(",")[0].trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`entries: an exported function without a named first parameter (${params})`);
  return name;
}

/**
 * The wrappers of `functions` ([{ name, params }], the glue's exported functions, in order):
 * each awaits `load()` (a promise of the glue module), then calls the glue's function.
 */
function wrappers(functions) {
  const out = [];
  for (const { name, params } of functions) {
    if (FROM_ERRORS.has(name)) continue;
    if (SYNCHRONOUS.has(name)) {
      out.push(`/** See index.d.ts. Synchronous: returns the result or throws a CdfError. */
export function ${name}(${params}) {
  return callSync("${name}", (glue) => glue.${name}(${params}));
}`);
    } else if (PROVIDER_FACTORIES.has(name)) {
      out.push(`/** See index.d.ts. Returns the provider at once; the module loads on the provider's first call. */
export function ${name}(${params}) {
  const copied = copyOptions(${first(params)});
  let provider;
  return function tokenProvider(context) {
    const read = copyContext(context);
    return call((glue) => {
      provider ??= glue.${name}(copied);
      return provider(read);
    }, read);
  };
}`);
    } else {
      const rest = params.split(",").slice(1).map((p) => p.trim()).filter(Boolean);
      out.push(`/** See index.d.ts. The options are copied now (as fetch reads its init), before the module loads. */
export function ${name}(${params}) {
  const copied = copyOptions(${first(params)});
  return call((glue) => glue.${name}(${["copied", ...rest].join(", ")}), copied);
}`);
    }
  }
  return out.join("\n\n");
}

/** What every entry shares: the load error, and `call`. */
const SHARED = `
/** One line of what \`e\` is (name and message), for a load error's message. */
function describeError(e) {
  let text;
  try {
    text = e instanceof Error ? \`\${e.name}: \${e.message}\` : String(e);
  } catch {
    text = "an unreadable error";
  }
  text = text.replace(/\\s+/g, " ").trim();
  return text.length > 300 ? \`\${text.slice(0, 299)}…\` : text;
}

/** The CdfError of a load that failed: kind "network", retryable, no request sent, no operation. */
function loadError(message, cause) {
  const error = cause === undefined ? new CdfError(message) : new CdfError(message, { cause });
  error.kind = "network";
  error.retryable = true;
  error.attempts = 0;
  return error;
}
`;

/** The browser and bundler loader (lazy.js). */
export function lazyEntry(functions, { glue, wasm }) {
  return `// cdf-workflow-retry, browsers and bundlers: the .wasm is fetched and instantiated on the
// first call, not at import. A .wasm that cannot be loaded (404, offline, a Content-Security-Policy
// without 'wasm-unsafe-eval') rejects that call with a CdfError of kind "network"; the next call
// tries again. The glue is imported with import(), so bundlers put it (and the .wasm) in a chunk of
// its own that only code calling these functions loads.
import { CdfError } from "./errors.js";
import { copyContext, copyOptions } from "./copy.js";
${SHARED}
/** Whether \`e\` is the browser refusing WebAssembly under the page's Content-Security-Policy. */
function refusedByCsp(e) {
  try {
    return e?.name === "EvalError" || /content.security.policy|\\bCSP\\b|unsafe-eval/i.test(String(e?.message));
  } catch {
    return false;
  }
}

// A load that takes longer than this fails (and is forgotten, so a later call tries again):
// a stalled download must not hold every call forever. 60 s, the default timeoutMs.
const LOAD_DEADLINE_MS = 60_000;

function instantiate() {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(loadError(\`Loading the WebAssembly module took longer than \${LOAD_DEADLINE_MS / 1000} s; the next call tries again.\`)),
      LOAD_DEADLINE_MS,
    );
  });
  return Promise.race([instantiateNow(), deadline]).finally(() => clearTimeout(timer));
}

async function instantiateNow() {
  const url = new URL("./${wasm}", import.meta.url);
  let glue;
  try {
    glue = await import("./${glue}");
  } catch (e) {
    throw loadError(\`Could not load the JavaScript of cdf-workflow-retry (\${describeError(e)}).\`, e);
  }
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw loadError(
      \`Could not fetch the WebAssembly module \${url} (\${describeError(e)}). Check the connection, and that the page's Content-Security-Policy allows this URL in connect-src.\`,
      e,
    );
  }
  if (typeof Response === "function" && response instanceof Response && !response.ok) {
    const reason = response.statusText ? \` \${response.statusText}\` : "";
    throw loadError(\`Could not load the WebAssembly module: \${url} answered HTTP \${response.status}\${reason}.\`);
  }
  try {
    await glue.default({ module_or_path: response });
  } catch (e) {
    if (refusedByCsp(e)) {
      throw loadError(
        \`The page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src directive to load \${url}.\`,
        e,
      );
    }
    throw loadError(\`Could not instantiate the WebAssembly module \${url} (\${describeError(e)}).\`, e);
  }
  return glue;
}

let glueModule; // the glue, once instantiated
let loading; // the load in flight, shared by concurrent first calls: { promise, waits }
let lastLoadError; // why the last load failed, until one succeeds (for callSync's message)

/** The load of the glue in flight (or a new one): a failed load is forgotten, so the next call tries again. */
function load() {
  if (loading === undefined) {
    const attempt = { waits: new Map() };
    const settled = () => {
      loading = undefined;
      stopWaiting(attempt.waits);
    };
    attempt.promise = instantiate().then(
      (glue) => {
        glueModule = glue;
        lastLoadError = undefined;
        settled();
        return glue;
      },
      (e) => {
        lastLoadError = e;
        settled();
        throw e;
      },
    );
    loading = attempt;
  }
  return loading;
}

// While the module loads, a call's AbortSignal still aborts that call at once. The signal is
// found without running any getter (an own data property only: the module reads the options
// itself later, once), and each signal gets one listener, removed when the load settles.
const abortedGetter =
  typeof AbortSignal === "function" ? Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get : undefined;

/** \`options.signal\` when it is a real AbortSignal held in a data property; never runs a getter or throws. */
function signalOf(options) {
  try {
    if (abortedGetter === undefined || options === null || typeof options !== "object") return undefined;
    const signal = Object.getOwnPropertyDescriptor(options, "signal")?.value;
    if (!(signal instanceof AbortSignal)) return undefined;
    abortedGetter.call(signal); // throws for an object that only pretends to be an AbortSignal
    return signal;
  } catch {
    return undefined;
  }
}

function abortError(signal) {
  let reason;
  try {
    reason = signal.reason;
  } catch {
    reason = undefined;
  }
  const error = new CdfError("The call was aborted by the caller's signal while the WebAssembly module was loading.", { cause: reason });
  error.kind = "aborted";
  error.retryable = false;
  error.attempts = 0;
  return error;
}

/** A promise that rejects when \`signal\` aborts: one listener per signal and load attempt. */
function whenAborted(signal, waits) {
  let wait = waits.get(signal);
  if (wait === undefined) {
    wait = {};
    wait.promise = new Promise((_, reject) => {
      wait.listener = () => reject(abortError(signal));
    });
    wait.promise.catch(() => {}); // only the race below reports it
    EventTarget.prototype.addEventListener.call(signal, "abort", wait.listener, { once: true });
    waits.set(signal, wait);
  }
  return wait.promise;
}

function stopWaiting(waits) {
  for (const [signal, { listener }] of waits) {
    try {
      EventTarget.prototype.removeEventListener.call(signal, "abort", listener);
    } catch {
      // nothing left to undo
    }
  }
  waits.clear();
}

/** \`options.timeoutMs\` when it is a valid one held in a data property (no getter runs). */
function timeoutOf(options) {
  try {
    if (options === null || typeof options !== "object") return undefined;
    const t = Object.getOwnPropertyDescriptor(options, "timeoutMs")?.value;
    return Number.isInteger(t) && t >= 1 && t <= 2147483647 ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Rejects with kind "timeout" when the call's deadline passes while the module loads. */
function whenTimedOut(ms) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new CdfError(\`The WebAssembly module did not load within the call's \${ms} ms deadline (timeoutMs).\`);
      error.kind = "timeout";
      error.retryable = true;
      error.attempts = 0;
      reject(error);
    }, ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** Runs \`f(glue)\` once the module is loaded; \`options\` only to find an AbortSignal and timeoutMs meanwhile. */
function call(f, options) {
  if (glueModule !== undefined) return Promise.resolve(glueModule).then(f);
  const attempt = load();
  const signal = signalOf(options);
  if (signal !== undefined && abortedGetter.call(signal)) return Promise.reject(abortError(signal));
  const ms = timeoutOf(options);
  const deadline = ms === undefined ? undefined : whenTimedOut(ms);
  const racers = [attempt.promise];
  if (signal !== undefined) racers.push(whenAborted(signal, attempt.waits));
  if (deadline !== undefined) racers.push(deadline.promise);
  const loaded = racers.length === 1 ? attempt.promise : Promise.race(racers);
  return loaded
    .catch((e) => {
      // A call that gave up on a stalled load lets the next call start a fresh one.
      if (loading === attempt && e?.kind === "timeout") loading = undefined;
      throw e;
    })
    .finally(() => deadline?.clear())
    .then(f);
}

/**
 * Runs \`f(glue)\` now when the module is loaded. Otherwise it starts the load (or joins the one
 * in flight) and throws: a browser cannot load the .wasm synchronously. \`name\` is the function's.
 */
function callSync(name, f) {
  if (glueModule !== undefined) return f(glueModule);
  const failed = lastLoadError;
  load().promise.catch(() => {}); // its outcome is for the next call
  const error = new CdfError(
    \`\${name} is synchronous and needs the WebAssembly module of cdf-workflow-retry, which a browser loads asynchronously: it is not loaded yet, and is loading now. Call \${name} again once any other call of the package has settled (for example after await listExecutions(…)).\${failed === undefined ? "" : \` The last attempt to load it failed: \${failed.message}\`}\`,
    failed === undefined ? undefined : { cause: failed },
  );
  error.kind = "network";
  error.retryable = true;
  error.attempts = 0;
  throw error;
}

${wrappers(functions)}
`;
}

/** The entry of browsers and bundlers: a barrel of errors.js and lazy.js, nothing else. */
export function browserEntry(functions) {
  const names = functions.map((f) => f.name).filter((n) => !FROM_ERRORS.has(n));
  return `// cdf-workflow-retry for browsers and bundlers. Importing it loads no WebAssembly: the
// functions load it on their first call (lazy.js); isCdfError and CdfError never do (errors.js).
export { CdfError, isCdfError } from "./errors.js";
export { ${names.join(", ")} } from "./lazy.js";
`;
}

/** Node 20+: the .wasm read from disk and instantiated synchronously on the first call. */
export function nodeEntry(functions, { glue, wasm }) {
  return `// cdf-workflow-retry for Node 20+: the .wasm next to this file is read and instantiated on the
// first call (synchronously), not at import; no top-level await, so require() of this module works.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as glue from "./${glue}";
import { CdfError } from "./errors.js";
import { copyContext, copyOptions } from "./copy.js";

export { CdfError, isCdfError } from "./errors.js";
${SHARED}
let loaded = false;

/** The glue, instantiated on first use, or a thrown load error; a failure is not remembered (the next call tries again). */
function loadSync() {
  if (!loaded) {
    const url = new URL("./${wasm}", import.meta.url);
    let bytes;
    try {
      bytes = readFileSync(url);
    } catch (e) {
      throw loadError(\`Could not read the WebAssembly module \${fileURLToPath(url)} (\${describeError(e)}).\`, e);
    }
    try {
      glue.initSync({ module: bytes });
    } catch (e) {
      throw loadError(\`Could not instantiate the WebAssembly module \${fileURLToPath(url)} (\${describeError(e)}).\`, e);
    }
    loaded = true;
  }
  return glue;
}

function call(f) {
  try {
    return Promise.resolve(loadSync()).then(f);
  } catch (e) {
    return Promise.reject(e);
  }
}

function callSync(name, f) {
  return f(loadSync());
}

${wrappers(functions)}
`;
}

/** Cloudflare Workers: the compiled module the runtime hands over, instantiated on the first call. */
export function workerdEntry(functions, { glue, wasm }) {
  return `// cdf-workflow-retry for Cloudflare Workers (workerd): wrangler imports the .wasm as a compiled
// module; it is instantiated on the first call, not at import.
import wasm from "./${wasm}";
import * as glue from "./${glue}";
import { CdfError } from "./errors.js";
import { copyContext, copyOptions } from "./copy.js";

export { CdfError, isCdfError } from "./errors.js";
${SHARED}
let loaded = false;

/** The glue, instantiated on first use, or a thrown load error; a failure is not remembered (the next call tries again). */
function loadSync() {
  if (!loaded) {
    try {
      glue.initSync({ module: wasm });
    } catch (e) {
      throw loadError(\`Could not instantiate the WebAssembly module ${wasm} (\${describeError(e)}).\`, e);
    }
    loaded = true;
  }
  return glue;
}

function call(f) {
  try {
    return Promise.resolve(loadSync()).then(f);
  } catch (e) {
    return Promise.reject(e);
  }
}

function callSync(name, f) {
  return f(loadSync());
}

${wrappers(functions)}
`;
}

/**
 * pkg/mock/unsupported.js: what `cdf-workflow-retry/mock` resolves to outside Node. It declares
 * the mock's export names (so a bundle builds) and throws when it is evaluated.
 */
export function mockUnsupported(names) {
  return `// cdf-workflow-retry/mock is a Node-only test helper (it starts an HTTP server): browsers,
// bundlers and Cloudflare Workers resolve it to this file, which refuses to load.
throw new Error(
  "cdf-workflow-retry/mock runs only in Node 20+ (it starts a local HTTP server for tests): import it from your Node test files, not from browser or Worker code.",
);
${names.map((n) => `export const ${n} = undefined;`).join("\n")}
`;
}
