// Options read at the call, as `fetch` reads its `init`: every exported function
// copies its options object here, synchronously, before it returns its promise
// (and before it waits for the .wasm to load). The module then reads only the
// copy, so changing or reusing the caller's object afterwards changes nothing
// about a call already made.
//
// The copy keeps everything the module's own reading (src/js/convert.rs) would
// see, frozen at the call: each getter and Proxy trap of the caller's object
// runs once, here. Plain objects and arrays are copied (to 8 levels, 20 000
// values, 10 000 elements an array: the limits of convert.rs); functions,
// AbortSignals, strings and other primitives are kept as they are. What could
// not be read becomes a value that reads the same way again:
// - a top-level getter that threw becomes a getter that throws the same error
//   (the error names that option and keeps the thrown value as `cause`);
// - a nested value that threw when read becomes a revoked Proxy (read as "a
//   value that threw when read");
// - an object that is not plain becomes an object of a private class (read as
//   "an object that is not a plain object");
// - a value past the limits becomes an array longer than the limit (read as
//   "a value too large or too deeply nested").
// Nothing here throws, whatever the caller passed.

const MAX_DEPTH = 8;
const MAX_NODES = 20_000;
const MAX_ARRAY = 10_000;

const abortedGetter =
  typeof AbortSignal === "function" ? Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get : undefined;

/** Read by the module as "a value that threw when read". */
const UNREADABLE = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();

/** Read by the module as "an object that is not a plain object". */
const NOT_PLAIN = Object.freeze(new (class NotPlain {})());

/** Read by the module as "a value too large or too deeply nested". */
const TOO_BIG = Object.freeze(new Array(MAX_ARRAY + 1));

const PLAIN = 0, ARRAY = 1, SIGNAL = 2, OTHER = 3, UNREAD = 4;

/** What kind of object `v` is, as runtime.js `describe` answers; never throws. */
function kindOf(v) {
  try {
    if (Array.isArray(v)) return ARRAY;
    if (abortedGetter !== undefined && v instanceof AbortSignal) {
      abortedGetter.call(v); // throws for an object that only pretends to be a signal
      return SIGNAL;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === null || Object.getPrototypeOf(proto) === null) return PLAIN;
    return OTHER;
  } catch {
    return UNREAD;
  }
}

/** A copy of `v`, `depth` levels deep at most, within `budget` (as convert.rs `to_value`). */
function copyValue(v, depth, budget) {
  if (budget.nodes === 0) return TOO_BIG;
  budget.nodes -= 1;
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return v;
  if (typeof v === "function") return v;
  const kind = kindOf(v);
  if (kind === SIGNAL) return v;
  if (depth === 0) return TOO_BIG;
  if (kind === ARRAY) return copyArray(v, depth, budget);
  if (kind === PLAIN) return copyObject(v, depth, budget);
  if (kind === UNREAD) return UNREADABLE;
  return NOT_PLAIN;
}

function copyArray(v, depth, budget) {
  let length;
  try {
    length = v.length;
  } catch {
    return UNREADABLE;
  }
  if (!(typeof length === "number" && length >= 0 && length <= MAX_ARRAY) || length > budget.nodes) return TOO_BIG;
  const out = [];
  for (let i = 0; i < length; i++) {
    let item;
    try {
      item = v[i];
    } catch {
      return UNREADABLE;
    }
    out.push(copyValue(item, depth - 1, budget));
    if (budget.nodes === 0) return TOO_BIG;
  }
  return out;
}

function copyObject(v, depth, budget) {
  let names;
  try {
    names = Object.keys(v);
  } catch {
    return UNREADABLE;
  }
  if (names.length > budget.nodes) return TOO_BIG;
  const out = Object.create(null); // "__proto__" and friends stay plain keys
  for (const name of names) {
    let value;
    try {
      value = v[name];
    } catch {
      return UNREADABLE;
    }
    out[name] = copyValue(value, depth - 1, budget);
    if (budget.nodes === 0) return TOO_BIG;
  }
  return out;
}

/** A getter that throws `error` again, each time it is read. */
function rethrowing(error) {
  return {
    get() {
      throw error;
    },
    enumerable: true,
    configurable: true,
  };
}

/**
 * The options object of a call, copied now. `null` for anything that is not a
 * plain object (the module refuses it as "options"). Keys whose value is
 * `undefined` are left out (they count as absent).
 */
export function copyOptions(options) {
  if (options === null || typeof options !== "object" || kindOf(options) !== PLAIN) return null;
  let names;
  try {
    names = Object.keys(options);
  } catch (e) {
    // Reading the keys threw: a Proxy whose keys throw the same error.
    return new Proxy(Object.create(null), {
      ownKeys() {
        throw e;
      },
    });
  }
  const out = Object.create(null);
  const budget = { nodes: MAX_NODES };
  for (const name of names) {
    let value;
    try {
      value = options[name];
    } catch (e) {
      Object.defineProperty(out, name, rethrowing(e));
      break; // the module stops at the first option it cannot read
    }
    if (value === undefined) continue;
    out[name] = copyValue(value, MAX_DEPTH, budget);
  }
  return out;
}

/** A token provider's context, read now: `{ forceRefresh }` (true only for `true`). */
export function copyContext(context) {
  let force = false;
  try {
    force = context !== null && typeof context === "object" && context.forceRefresh === true;
  } catch {
    force = false;
  }
  return { forceRefresh: force };
}
