// groupFailures' reader (src/js/failures.rs drives it): walks the caller's executions and
// writes, as JSON text, only the fields the pure core (src/failures.rs) reads, a chunk at a
// time. Walking in JavaScript costs one crossing of the wasm boundary per chunk instead of
// several per field. It never throws: a getter or Proxy trap that throws, a value that cannot
// be used, or a budget passed ends the walk with a fault naming the field.
//
// What is read, each property once: `id` and `status` of every execution; of those whose
// status is not one of `notFailed`, also `workflowExternalId`, `createdTime`,
// `reasonForIncompletion` and `executedTasks`; of their tasks, `status` in order up to the
// first one in `failedTask` (or the first that is not a string; at most `maxTasks`), and that
// task's `externalId` and `reasonForIncompletion`. Nothing else of the caller's objects is touched.
//
// A field's value is written as it is when it is a string (within the length budget), a
// finite number, a boolean or null; as {} (which the core refuses where it needs a string or
// a number) when it is anything else; and left out when it is undefined. Of `executedTasks`
// only the first failed task is written, its index as `tasksFrom` (the tasks before it are
// checked here: objects with a string status that is not a failed one).

/** Fault codes: src/js/failures.rs words the message. */
const THREW = 1, NOT_ARRAY = 2, NOT_EXECUTION = 3, NOT_TASK = 4, TOO_MANY = 5, BAD_LENGTH = 6,
  TOO_LONG = 7, TOO_MUCH_TEXT = 8, TOO_MANY_READS = 9, TOO_MANY_TASKS = 10;

/**
 * A chunk ends after the execution that brings it to this size (characters of the strings it
 * holds, and 16 for each object) or this many executions: what wasm holds at once.
 */
const CHUNK_SIZE = 262144, CHUNK_ITEMS = 1000;

/** What `groupFailures`' messages call a value of this type. */
function typeName(v) {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean": return "a boolean";
    case "number": return "a number";
    case "string": return "a string";
    case "function": return "a function";
    case "object": return "an object";
    default: return "a symbol or bigint";
  }
}

/** Thrown inside the walk (never out of it): a fault to report. */
class Fault {
  constructor(field, code, detail, cause) {
    this.field = field;
    this.code = code;
    this.detail = detail;
    this.cause = cause;
  }
}

/**
 * The state of one call's walk over `executions`. `notFailed` and `failedTask` are the
 * core's status lists, comma-separated; the numbers are the budget.
 */
export function startReading(executions, notFailed, failedTask, maxExecutions, maxTasks, maxReads, maxString, maxText) {
  return {
    executions,
    notFailed: new Set(notFailed.split(",")),
    failedTask: new Set(failedTask.split(",")),
    maxExecutions,
    maxTasks,
    maxString,
    reads: maxReads,
    text: maxText,
    length: -1, // not read yet
    next: 0,
    cause: undefined,
  };
}

function read(state, obj, key, field) {
  if (state.reads <= 0) throw new Fault("executions", TOO_MANY_READS);
  state.reads -= 1;
  try {
    return obj[key];
  } catch (e) {
    throw new Fault(field(), THREW, undefined, e);
  }
}

/** Whether `v` is an array; a revoked Proxy throws a fault naming `field`. */
function isArray(v, field) {
  try {
    return Array.isArray(v);
  } catch (e) {
    throw new Fault(field(), THREW, undefined, e);
  }
}

/** The value to write for a field (see the top of the file); counts a string's length. */
function scalar(state, v, field, chunk) {
  if (typeof v === "string") {
    if (v.length > state.maxString) throw new Fault(field(), TOO_LONG);
    if (v.length > state.text) throw new Fault("executions", TOO_MUCH_TEXT);
    state.text -= v.length;
    chunk.size += v.length;
    return v;
  }
  if (v === undefined || v === null || typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  return {};
}

/** `obj[key]` written into `out` (left out when undefined). */
function copy(state, obj, key, out, field, chunk) {
  const v = scalar(state, read(state, obj, key, field), field, chunk);
  if (v !== undefined) out[key] = v;
  return v;
}

function isObject(v) {
  return v !== null && typeof v === "object";
}

/**
 * `executedTasks` of `out`'s execution: only the first failed task (or the first the core
 * refuses), with its index as `out.tasksFrom`; the tasks before it are checked here.
 */
function tasks(state, v, at, chunk, out) {
  if (!isObject(v) || !isArray(v, at)) return scalar(state, v, at, chunk);
  const length = read(state, v, "length", at);
  if (!Number.isSafeInteger(length) || length < 0) throw new Fault(at(), BAD_LENGTH);
  const found = [];
  let k = 0;
  for (; k < length; k++) {
    if (k >= state.maxTasks) throw new Fault(at(), TOO_MANY_TASKS);
    const here = () => `${at()}[${k}]`;
    const task = read(state, v, k, here);
    if (!isObject(task) || isArray(task, here)) throw new Fault(here(), NOT_TASK, isObject(task) ? "an array" : typeName(task));
    const t = {};
    const status = scalar(state, read(state, task, "status", () => `${here()}.status`), () => `${here()}.status`, chunk);
    if (typeof status === "string" && !state.failedTask.has(status)) continue;
    if (status !== undefined) t.status = status;
    found.push(t);
    chunk.size += 16;
    if (typeof status !== "string") break; // the core refuses it: nothing after it matters
    copy(state, task, "externalId", t, () => `${here()}.externalId`, chunk);
    copy(state, task, "reasonForIncompletion", t, () => `${here()}.reasonForIncompletion`, chunk);
    break;
  }
  out.tasksFrom = k;
  return found;
}

function execution(state, v, i, chunk) {
  const at = () => `executions[${i}]`;
  if (!isObject(v) || isArray(v, at)) throw new Fault(at(), NOT_EXECUTION, isObject(v) ? "an array" : typeName(v));
  const out = {};
  chunk.size += 16;
  const id = copy(state, v, "id", out, () => `${at()}.id`, chunk);
  const status = copy(state, v, "status", out, () => `${at()}.status`, chunk);
  if (typeof id !== "string" || typeof status !== "string" || state.notFailed.has(status)) return out;
  for (const key of ["workflowExternalId", "createdTime", "reasonForIncompletion"]) {
    copy(state, v, key, out, () => `${at()}.${key}`, chunk);
  }
  const at2 = () => `${at()}.executedTasks`;
  const t = tasks(state, read(state, v, "executedTasks", at2), at2, chunk, out);
  if (t !== undefined) out.executedTasks = t;
  return out;
}

/**
 * The next chunk, as JSON text: `{"first":i,"items":[…],"done":bool,"fault":null}`, or with
 * `"fault":{"field","code","detail"}` after the items read before it (the thrown value, if
 * any, is left in `state.cause`).
 */
export function readChunk(state) {
  const chunk = { size: 0 };
  const first = state.next;
  const items = [];
  let fault = null;
  try {
    if (state.length < 0) {
      const at = () => "executions";
      const v = state.executions;
      if (!isObject(v) || !isArray(v, at)) throw new Fault("executions", NOT_ARRAY, isObject(v) ? "an object" : typeName(v));
      const length = read(state, v, "length", at);
      if (!Number.isSafeInteger(length) || length < 0) throw new Fault("executions", BAD_LENGTH);
      if (length > state.maxExecutions) throw new Fault("executions", TOO_MANY, String(length));
      state.length = length;
    }
    while (state.next < state.length && items.length < CHUNK_ITEMS && chunk.size < CHUNK_SIZE) {
      const i = state.next;
      items.push(execution(state, read(state, state.executions, i, () => `executions[${i}]`), i, chunk));
      state.next = i + 1;
    }
  } catch (e) {
    // Only a Fault is expected here; anything else (a bug, or the engine out of memory) is
    // still reported, never thrown into wasm.
    const f = e instanceof Fault ? e : new Fault("executions", THREW, undefined, e);
    fault = { field: f.field, code: f.code, detail: f.detail ?? null };
    state.cause = f.cause;
  }
  const done = fault === null && state.next >= state.length;
  try {
    return JSON.stringify({ first, items, done, fault });
  } catch (e) {
    state.cause = e;
    return JSON.stringify({ first, items: [], done: false, fault: { field: "executions", code: THREW, detail: null } });
  }
}
