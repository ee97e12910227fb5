// cdf-workflow-retry command line, everything but the entry: commands, options, help and
// output. bin/cli.mjs (the package's `bin`, copied to pkg/cli.js) imports the Node entry of the
// package and hands it to run(); this module imports only node: built-ins, so its parts can be
// tested without the wasm (scripts/build.mjs copies it to pkg/cli-core.js). Results go to stdout
// as JSON lines; progress, retries and errors go to stderr. The command line is parsed with
// node:util's parseArgs, nothing else.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";

/**
 * The package's namespace (`import * as lib`), set by main(): a function this build of the
 * package lacks is reported when a command needs it, instead of breaking every command at load.
 */
let lib = {};

const NAME = "cdf-workflow-retry";

/** Exit codes. 2 to 7 are per CdfError kind. */
const EXIT = {
  ok: 0,
  internal: 1,
  invalid_input: 2, // also: a bad command line or environment variable
  api: 3,
  network: 4,
  timeout: 5,
  aborted: 6,
  invalid_response: 7,
  unsuccessful: 8, // an execution waited for ended FAILED, TIMED_OUT or TERMINATED
  SIGINT: 130,
  SIGTERM: 143,
};

const RETRYABLE = ["FAILED", "TIMED_OUT", "TERMINATED"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** trigger-runs --status: what the API's runs say. */
const RUN_STATUSES = ["failed", "success"];
const STATUSES = ["RUNNING", "COMPLETED", ...RETRYABLE];

// ---------------------------------------------------------------------------
// Options of each command (parseArgs configurations)
// ---------------------------------------------------------------------------

const string = { type: "string" };
const flag = { type: "boolean" };
const CONNECTION = {
  project: string,
  cluster: string,
  "base-url": string,
  "app-name": string,
  "timeout-ms": string,
  "max-retries": string,
  verbose: flag,
  json: flag,
  help: { type: "boolean", short: "h" },
};
const FILTER = {
  workflow: { type: "string", multiple: true },
  since: string,
  status: { type: "string", multiple: true },
  limit: string,
};
const WAITING = { wait: flag, "wait-timeout-ms": string, "poll-interval-ms": string };

const COMMANDS = {
  retry: { ...CONNECTION, nonce: string, concurrency: string, ...WAITING },
  "retry-failed": { ...CONNECTION, ...FILTER, concurrency: string, "dry-run": flag, all: flag, ...WAITING },
  list: { ...CONNECTION, ...FILTER },
  get: { ...CONNECTION },
  wait: { ...CONNECTION, "poll-interval-ms": string },
  cancel: { ...CONNECTION, reason: string },
  "trigger-runs": { ...CONNECTION, status: string, limit: string },
  triage: { ...CONNECTION, ...FILTER },
};
/** Without a command (and for finding it): every option, plus --version. */
const ALL = Object.assign({ version: { type: "boolean", short: "v" } }, ...Object.values(COMMANDS));

// ---------------------------------------------------------------------------
// Help
// ---------------------------------------------------------------------------

const CONNECTION_HELP = `Connection (every command; flags win over the environment):
  --project P            CDF project (or CDF_PROJECT)
  --cluster C            CDF cluster, e.g. westeurope-1: https://C.cognitedata.com (or CDF_CLUSTER)
  --base-url U           or a full origin, e.g. https://api.cognitedata.com (or CDF_BASE_URL)
  --app-name A           sent as the x-cdp-app header
  --timeout-ms T         deadline of each call, its retries included (default 60000;
                         for wait, of the whole wait: default 900000)
  --max-retries R        extra attempts of a failed request, 0 to 10 (default 3)
  --verbose              print each retry of a request, and its wait, on stderr
  --json                 stderr as JSON lines: each failure as one object (triage: stdout
                         as JSON lines too, also on a terminal)
  -h, --help             this help`;

const ENV_HELP = `Environment (flags win):
  CDF_PROJECT, CDF_CLUSTER, CDF_BASE_URL
                         defaults of --project, --cluster, --base-url
  CDF_TOKEN              bearer token, sent with every request; or, when it is unset,
  IDP_TOKEN_URL          get the token by OAuth client credentials from this token URL,
  IDP_CLIENT_ID          with this client id
  IDP_CLIENT_SECRET      and this secret
  IDP_SCOPES             scopes, space or comma separated (default: the CDF origin and
                         /.default, e.g. https://westeurope-1.cognitedata.com/.default)
  IDP_AUDIENCE           audience, for Auth0-style providers (then no default scope)
  CDF_NONCE              default of --nonce (retry with one execution id)
  CDF_CLIENT_ID          with CDF_CLIENT_SECRET: create sessions with these client
  CDF_CLIENT_SECRET      credentials instead of by token exchange (retry, retry-failed)`;

const EXIT_HELP = `Exit codes:
  0    success
  1    unexpected internal error
  2    invalid_input: a bad command line, option or environment variable (nothing was sent)
  3    api: CDF answered with an error status
  4    network: a request failed (DNS, refused, reset)
  5    timeout: a deadline passed
  6    aborted: a call was aborted
  7    invalid_response: CDF's answer was not what the API documents
  8    unsuccessful: an execution waited for ended FAILED, TIMED_OUT or TERMINATED
  130  cancelled by Ctrl-C (SIGINT); 143 by SIGTERM
With several executions, the code is that of the first failure (retries, then waits).`;

const SYNOPSIS = {
  retry: `${NAME} [retry] <executionId>… [options]`,
  "retry-failed": `${NAME} retry-failed (--workflow W | --since S | --all) [options]`,
  list: `${NAME} list [--workflow W] [--since S] [--status S] [--limit N] [options]`,
  get: `${NAME} get <executionId> [options]`,
  wait: `${NAME} wait <executionId> [options]`,
  cancel: `${NAME} cancel <executionId>… [--reason R] [options]`,
  "trigger-runs": `${NAME} trigger-runs <triggerExternalId> [--status S] [--limit N] [options]`,
  triage: `${NAME} triage [--workflow W] [--since S] [--status S] [--limit N] [options]`,
};

const FILTER_HELP = (statuses, defaultStatus) => `  --workflow W           only executions of this workflow (external id); repeatable
  --since S              only executions created since: a duration back from now (30m, 24h,
                         7d, 2w; also s) or an ISO date (2026-03-10) or date-time
                         (2026-03-10T02:00:00Z; local time without Z or offset)
  --status S             only executions with this status: ${statuses};
                         repeatable or comma separated (default: ${defaultStatus})
  --limit N              at most N executions, 1 to 10000 (default 100)`;

const WAIT_HELP = `  --wait                 then wait for each retried execution to end and print its final
                         state (with its tasks) instead; exit 0 only when every one ends
                         COMPLETED, 8 when one ends FAILED, TIMED_OUT or TERMINATED
  --wait-timeout-ms T    deadline of each wait (default 900000)
  --poll-interval-ms P   first pause between polls, 100 to 60000, doubling up to 15000
                         (default 1000)`;

const HELP = {
  general: `Usage: ${NAME} <command> [options]
       ${NAME} <executionId>… [options]        (the same as: retry <executionId>…)

Retries failed, timed-out or terminated Cognite Data Fusion (CDF) workflow executions.
Results go to stdout as JSON lines, one execution per line (triage: a table on a terminal);
progress and errors go to stderr. Control characters in text from CDF are never printed.

Commands:
  retry <executionId>…   retry these executions (the default command)
  retry-failed           retry the FAILED, TIMED_OUT and TERMINATED executions a filter finds
  list                   list executions, filtered
  get <executionId>      print one execution with its tasks
  wait <executionId>     wait until an execution is no longer RUNNING
  cancel <executionId>…  cancel these executions (they end TERMINATED)
  trigger-runs <triggerExternalId>
                         list the runs of a trigger, newest first
  triage                 group the failed executions a filter finds by why they failed
  help [command]         the help of a command (or: ${NAME} <command> --help)

${CONNECTION_HELP}
  -v, --version          print the version

${ENV_HELP}

${EXIT_HELP}
`,
  retry: `Usage: ${SYNOPSIS.retry}

Retries each execution (FAILED, TIMED_OUT or TERMINATED) and prints it, now RUNNING, as one
JSON line on stdout. With several ids, each is retried with its own session, --concurrency at
once, and one line per execution is printed as each finishes (stderr: one progress line per
execution, or a progress bar on a terminal). A bare execution id with no command means retry.

Options:
  --nonce N              an existing session nonce, for one execution id only (or CDF_NONCE;
                         default: a session is created). A value that starts with "-" goes
                         as --nonce=<value>
  --concurrency K        executions in flight at once, 1 to 16 (default 4)
${WAIT_HELP}

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  "retry-failed": `Usage: ${SYNOPSIS["retry-failed"]}

Lists the executions the filter finds and retries each (its own session, --concurrency at
once), printing each retried execution as one JSON line on stdout as it finishes. At least
one of --workflow and --since is needed, or --all to retry across all workflows and time.

Options:
${FILTER_HELP("FAILED, TIMED_OUT, TERMINATED", "all three")}
  --all                  no --workflow or --since: retry whatever the filter finds
  --dry-run              only list the executions that would be retried (nothing is retried)
  --concurrency K        executions in flight at once, 1 to 16 (default 4)
${WAIT_HELP}

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  list: `Usage: ${SYNOPSIS.list}

Prints the executions that match, one JSON line each.

Options:
${FILTER_HELP("RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED", "any")}

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  get: `Usage: ${SYNOPSIS.get}

Prints the execution, with its executed tasks and workflow definition, as one JSON line.

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  wait: `Usage: ${SYNOPSIS.wait}

Polls the execution until it is no longer RUNNING and prints its final state, with its tasks,
as one JSON line. Exits 0 when it ended COMPLETED, 8 when it ended FAILED, TIMED_OUT or
TERMINATED. --timeout-ms is the deadline of the whole wait here (default 900000).

Options:
  --poll-interval-ms P   first pause between polls, 100 to 60000, doubling up to 15000
                         (default 1000)

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  cancel: `Usage: ${SYNOPSIS.cancel}

Cancels each execution: CDF starts no new task of it and marks it TERMINATED (tasks already
running are marked CANCELED, but what they do is not stopped). Prints each cancelled execution
as one JSON line on stdout. With several ids, they are cancelled one at a time in the order
given (a duplicate id, in any case, once), with one progress line per execution on stderr,
and a failure does not stop the others.

Options:
  --reason R             why, sent to CDF: 1 to 500 characters. A value that starts with
                         "-" goes as --reason=<value>

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  "trigger-runs": `Usage: ${SYNOPSIS["trigger-runs"]}

Prints the runs of a trigger (each time it fired: the execution it started, or why it could
not start one), newest first, one JSON line each. A trigger id that starts with "-" goes after
"--".

Options:
  --status S             only the runs with this status: failed or success (any case)
  --limit N              at most N runs (after --status), 1 to 10000 (default 100)

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
  triage: `Usage: ${SYNOPSIS.triage}

Lists the failed executions the filter finds (the filter of retry-failed; no --workflow or
--since needed) and groups them by workflow and by why they failed: the reason with ids,
numbers, quoted values and times replaced by <id>, <n>, <value>, <time>. Largest group first.
On a terminal: a table. With --json, or when stdout is not a terminal: one JSON line per
group, with its execution ids (newest first), its statuses and an example reason.

Options:
${FILTER_HELP("FAILED, TIMED_OUT, TERMINATED", "all three")}

${CONNECTION_HELP}

${ENV_HELP}

${EXIT_HELP}
`,
};

// ---------------------------------------------------------------------------
// Text from outside: printed without control characters
// ---------------------------------------------------------------------------
//
// Names, versions, reasons, messages, ids, codes and cursor values come from CDF or the
// identity provider (or from error messages built from their answers). A terminal would obey
// the escape sequences and control characters in them (clear the screen, set the window
// title, move the cursor, start a new line that looks like the CLI's own), so every text the
// CLI prints passes through clean(): at its sinks (Ui.write, Ui.status, Ui.out, Ui.table),
// and, where outside text is put into a line of the CLI's own words, each piece by itself
// (the `safe` template tag), so a piece can never join with the words after it.

/** Anything clean() changes: C0 and C1 controls, DEL, bidi controls, line and paragraph separators. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/;
const ESC = 0x1b;
const BEL = 0x07;
const NEL = 0x85;
const ST = 0x9c; // 8-bit String Terminator

/** Controls that separate words or lines: tab, LF, VT, FF, CR, NEL, U+2028, U+2029. */
const isSpace = (c) => (c >= 0x09 && c <= 0x0d) || c === NEL || c === 0x2028 || c === 0x2029;
/** Other C0 and C1 controls, DEL, and the Unicode bidi controls (Bidi_Control: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). */
const isControl = (c) =>
  c <= 0x1f || (c >= 0x7f && c <= 0x9f) || c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

/**
 * `text` without controls: escape sequences are removed whole (CSI `ESC [ … final`, OSC
 * `ESC ] … BEL|ST`, DCS `ESC P`, SOS `ESC X`, PM `ESC ^` and APC `ESC _` strings up to their
 * terminator, `ESC` with intermediates and a final character, and the 8-bit forms U+009B CSI,
 * U+009D OSC, U+0090 DCS, U+0098 SOS, U+009E PM, U+009F APC); tab, line feed, vertical tab,
 * form feed, carriage return, NEL (U+0085) and the Unicode line and paragraph separators each
 * become a space (a line break in a reason never starts a line); every other C0 or C1
 * control, DEL and bidi control is removed. A sequence without its end loses only its
 * introducer: what follows stays, as plain text. Linear time.
 */
export function clean(text) {
  const s = typeof text === "string" ? text : String(text);
  if (!UNSAFE.test(s)) return s;
  let out = "";
  let kept = 0; // s[kept, i) is plain text not yet copied
  let unterminatedFrom = Infinity; // no string terminator at or after this index
  let i = 0;
  const cut = (to, replacement = "") => {
    out += s.slice(kept, i) + replacement;
    i = to;
    kept = to;
  };
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) cut(i + 1, " ");
    else if (c === ESC || (c >= 0x80 && c <= 0x9f)) {
      cut(sequenceEnd(s, i, unterminatedFrom, (from) => (unterminatedFrom = Math.min(unterminatedFrom, from))));
    } else if (isControl(c)) cut(i + 1);
    else i += 1;
  }
  return out + s.slice(kept);
}

/** Where the escape sequence (or lone control) that starts at `i` ends. */
function sequenceEnd(s, i, unterminatedFrom, noTerminatorFrom) {
  const c = s.charCodeAt(i);
  let body; // where the parameters or the string start
  let kind;
  if (c === ESC) {
    const next = s.charCodeAt(i + 1); // NaN at the end
    if (next === 0x5b) [kind, body] = ["csi", i + 2]; // [
    else if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) [kind, body] = ["string", i + 2]; // ] P X ^ _
    else if (next >= 0x20 && next <= 0x2f) {
      // ESC, intermediates, a final character (e.g. ESC ( B): without a final, only the ESC goes.
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j += 1;
      const final = s.charCodeAt(j);
      return final >= 0x30 && final <= 0x7e ? j + 1 : i + 1;
    } else if (next >= 0x30 && next <= 0x7e) return i + 2; // ESC 7, ESC c, ESC M …
    else return i + 1;
  } else if (c === 0x9b) [kind, body] = ["csi", i + 1];
  else if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) [kind, body] = ["string", i + 1];
  else return i + 1;

  if (kind === "csi") {
    // Parameters 0x30–0x3F, intermediates 0x20–0x2F, a final character 0x40–0x7E.
    let j = body;
    while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x3f) j += 1;
    while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j += 1;
    const final = s.charCodeAt(j);
    return final >= 0x40 && final <= 0x7e ? j + 1 : body;
  }
  // A control string, up to BEL, ESC \ or ST. Once a search found none, none is searched again
  // past that point (so many unterminated introducers still cost linear time).
  if (body >= unterminatedFrom) return body;
  for (let j = body; j < s.length; j += 1) {
    const d = s.charCodeAt(j);
    if (d === BEL || d === ST) return j + 1;
    if (d === ESC && s.charCodeAt(j + 1) === 0x5c) return j + 2;
  }
  noTerminatorFrom(body);
  return body;
}

/** A template tag: the literal parts are the CLI's own words; each value is clean()ed by itself. */
export function safe(strings, ...values) {
  let out = strings[0];
  values.forEach((value, k) => {
    out += clean(value) + strings[k + 1];
  });
  return out;
}

/**
 * One compact JSON line of `value` with every string and key clean()ed: the structure stays,
 * and a consumer that prints a value (`jq -r .reasonForIncompletion`) prints it safely.
 * Keys cleaned to the same text: the first is kept. The depth JSON.stringify handles.
 */
export function jsonLine(value) {
  return JSON.stringify(value, (key, v) => {
    if (typeof v === "string") return clean(v);
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (!keys.some((k) => UNSAFE.test(k))) return v;
    const copy = {};
    for (const k of keys) {
      const c = clean(k);
      if (!Object.hasOwn(copy, c)) Object.defineProperty(copy, c, { value: v[k], enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
}

// ---------------------------------------------------------------------------
// Failures the command line finds itself
// ---------------------------------------------------------------------------

/** A failure found before any call: shown like a CdfError of kind invalid_input (or internal). */
class CliError extends Error {
  constructor(kind, message, { field, usage } = {}) {
    super(message);
    this.kind = kind;
    this.field = field;
    this.usage = usage; // a command (or "general") whose synopsis follows the error line
  }
}

const usage = (message, field, command) => new CliError("invalid_input", message, { field, usage: command ?? undefined });

/** A package function, or an internal error naming it when this build of the package lacks it. */
function need(name) {
  if (typeof lib[name] !== "function") {
    throw new CliError("internal", `this build of the package has no ${name}() (it comes with version ${SINCE_VERSION[name] ?? "0.2"})`);
  }
  return lib[name];
}

/** The package version that brought a function (0.2 unless named). */
const SINCE_VERSION = { cancelExecution: "0.3", listTriggerRuns: "0.3", groupFailures: "0.3" };

/** Where a contract field comes from on this command line, for messages. */
const SOURCE = {
  executionId: "<executionId>",
  executionIds: "<executionId>",
  project: "--project",
  cluster: "--cluster / --base-url",
  baseUrl: "--base-url",
  nonce: "--nonce",
  timeoutMs: "--timeout-ms",
  maxRetries: "--max-retries",
  appName: "--app-name",
  concurrency: "--concurrency",
  workflows: "--workflow",
  status: "--status",
  createdTimeStart: "--since",
  limit: "--limit",
  pollIntervalMs: "--poll-interval-ms",
  token: "CDF_TOKEN",
  clientCredentials: "CDF_CLIENT_ID / CDF_CLIENT_SECRET",
  "clientCredentials.clientId": "CDF_CLIENT_ID",
  "clientCredentials.clientSecret": "CDF_CLIENT_SECRET",
  tokenUrl: "IDP_TOKEN_URL",
  clientId: "IDP_CLIENT_ID",
  clientSecret: "IDP_CLIENT_SECRET",
  scopes: "IDP_SCOPES",
  audience: "IDP_AUDIENCE",
  reason: "--reason",
  triggerExternalId: "<triggerExternalId>",
};

/** "filter.workflows[2].externalId" → "--workflow"; unknown fields as they are. */
function sourceOf(field, overrides = {}) {
  const bare = field.replace(/^filter\./, "");
  const root = bare.split(/[.[]/)[0];
  return overrides[bare] ?? SOURCE[bare] ?? overrides[root] ?? SOURCE[root] ?? field;
}

/** Outside text as one line: clean()ed, whitespace collapsed, trimmed. */
function oneLine(text) {
  return clean(text).replace(/\s+/g, " ").trim();
}

/** A value the user typed, quoted for a message. */
const quote = (text) => JSON.stringify(clean(text));

/** `kind status=… operation=… field=… requestId=… retryable: message`, each part cleaned. */
function describe(e, sources) {
  const parts = [clean(e.kind)];
  if (e.status !== undefined) parts.push(safe`status=${e.status}`);
  if (e.operation) parts.push(safe`operation=${e.operation}`);
  // A command-line failure names its flag in the message; its field is for --json.
  if (e.field && !(e instanceof CliError)) parts.push(safe`field=${sourceOf(String(e.field), sources)}`);
  if (e.requestId) parts.push(safe`requestId=${e.requestId}`);
  if (e.retryable) parts.push("retryable");
  return `${parts.join(" ")}: ${oneLine(e.message)}`;
}

/** The --json form of a failure: always the same keys, null when absent. */
function errorObject(e, executionId) {
  const object = executionId === undefined ? {} : { executionId };
  return Object.assign(object, {
    kind: e.kind ?? "internal",
    status: e.status ?? null,
    code: e.code ?? null,
    requestId: e.requestId ?? null,
    message: oneLine(e.message ?? e),
    retryable: e.retryable === true,
    operation: e.operation ?? null,
    field: e.field ?? null,
  });
}

function exitCodeOf(e) {
  return Object.hasOwn(EXIT, e?.kind ?? "") ? EXIT[e.kind] : EXIT.internal;
}

/** A plain Error (a bug, or something thrown by Node) shown as kind internal. */
function asReportable(e) {
  if (e instanceof CliError || lib.isCdfError(e)) return e;
  return new CliError("internal", e?.message ?? String(e));
}

// ---------------------------------------------------------------------------
// stderr: lines, JSON lines, and on a terminal one status line redrawn in place
// ---------------------------------------------------------------------------

const CLEAR_LINE = "\r\x1b[2K";

class Ui {
  constructor({ json, verbose, stdout = process.stdout, stderr = process.stderr }) {
    this.json = json;
    this.verbose = verbose;
    this.stdout = stdout;
    this.err = stderr;
    this.tty = this.err.isTTY === true && !json;
    this.base = null; // what the command waits for
    this.pause = null; // { text, until }: a wait before a retry
    this.started = 0;
    this.drawn = false;
    this.timer = null;
  }

  /** A line that stays (above the status line on a terminal); cleaned, so it stays one line. */
  write(line) {
    this.erase();
    this.err.write(`${clean(line)}\n`);
    this.draw();
  }

  /** A line for people: not in --json mode. */
  note(line) {
    if (!this.json) this.write(`${NAME}: ${line}`);
  }

  /** A per-execution progress line: only when stderr is not a terminal (the status line shows it). */
  progress(line) {
    if (!this.json && !this.tty) this.write(`${NAME}: ${line}`);
  }

  failure(e, { executionId, prefix = "", sources } = {}) {
    if (this.json) this.write(jsonLine(errorObject(e, executionId)));
    else this.write(`${NAME}: ${prefix}${describe(e, sources)}`);
  }

  /** A line of text on stdout (the triage table), cleaned. */
  print(line) {
    this.erase();
    this.stdout.write(`${clean(line)}\n`);
    this.draw();
  }

  /** One result on stdout, as a JSON line (every string and key cleaned). */
  out(value) {
    this.erase();
    this.stdout.write(`${jsonLine(value)}\n`);
    this.draw();
  }

  /** The onRetry hook (given to the package only with --verbose). */
  retry(event) {
    const { operation, attempt, waitMs, kind, status, requestId, newSession } = event ?? {};
    if (this.json) {
      this.write(jsonLine({ event: "retry", operation, attempt, waitMs, kind, status: status ?? null, requestId: requestId ?? null, newSession }));
    } else {
      const what = [kind, status, requestId && safe`requestId=${requestId}`].filter((x) => x !== undefined && x !== null && x !== "").map(clean).join(" ");
      const session = newSession ? " with a new session" : "";
      this.write(`${NAME}: ${clean(operation)} attempt ${clean(attempt)} failed (${what}); retrying in ${clean(waitMs)} ms${session}`);
    }
    if (this.tty && Number.isFinite(waitMs)) {
      this.pause = { text: safe`${kind}${status ? ` ${status}` : ""} on ${operation}, next attempt`, until: Date.now() + waitMs };
      this.draw();
    }
  }

  /** Sets what the command waits for (terminal only); the clock runs from the first status. */
  status(text) {
    if (!this.tty) return;
    this.base = clean(text);
    if (!this.timer) {
      this.started = Date.now();
      this.timer = setInterval(() => this.draw(), 200);
      this.timer.unref();
    }
    this.draw();
  }

  draw() {
    if (!this.tty || this.base === null) return;
    const now = Date.now();
    let text = this.base;
    if (this.pause && now < this.pause.until) {
      text += ` · ${this.pause.text} in ${((this.pause.until - now) / 1000).toFixed(1)} s`;
    } else {
      this.pause = null;
    }
    const seconds = Math.floor((now - this.started) / 1000);
    if (seconds >= 1) text += ` (${seconds} s)`;
    const width = Math.max(20, (this.err.columns || 80) - 1);
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    if (this.drawn && text === this.shown) return; // the clock ticks faster than the text changes
    this.err.write(`${CLEAR_LINE}${text}`);
    this.shown = text;
    this.drawn = true;
  }

  erase() {
    if (this.drawn) {
      this.err.write(CLEAR_LINE);
      this.drawn = false;
    }
  }

  /** Removes the status line for good. */
  clear() {
    this.erase();
    this.base = null;
    this.pause = null;
    clearInterval(this.timer);
    this.timer = null;
  }
}

// ---------------------------------------------------------------------------
// From flags and environment to package options
// ---------------------------------------------------------------------------

const nonEmpty = (text) => (text === undefined || text === "" ? undefined : text);

/** "123" → 123; anything else is passed on unchanged for the package to reject with its own message. */
function integer(text) {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : text;
}

/** An integer flag the command line checks itself (it is used only after something was changed). */
function checkedInteger(values, name, min, max) {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw usage(`--${name} must be an integer from ${min} to ${max}`, `--${name}`);
  return n;
}

/** Builds an object without the keys whose value is undefined. */
function defined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/** The bearer token: CDF_TOKEN, or a client-credentials provider from the IDP_* variables. */
function tokenFrom(env, { cluster, baseUrl }) {
  const token = nonEmpty(env.CDF_TOKEN);
  if (token !== undefined) return token;
  const names = ["IDP_TOKEN_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET"];
  const missing = names.filter((n) => nonEmpty(env[n]) === undefined);
  if (missing.length === names.length) {
    throw usage("set the bearer token in CDF_TOKEN, or IDP_TOKEN_URL, IDP_CLIENT_ID and IDP_CLIENT_SECRET to get one by client credentials", "CDF_TOKEN");
  }
  if (missing.length) {
    throw usage(`set ${missing.join(" and ")} too, to get the token by client credentials (or set CDF_TOKEN)`, missing[0]);
  }
  let scopes = nonEmpty(env.IDP_SCOPES)?.split(/[\s,]+/).filter(Boolean);
  if (!scopes?.length) scopes = undefined;
  const audience = nonEmpty(env.IDP_AUDIENCE);
  if (!scopes && !audience) {
    const origin = baseUrl !== undefined ? baseUrl.replace(/\/+$/, "") : cluster !== undefined ? `https://${cluster}.cognitedata.com` : undefined;
    if (origin !== undefined) scopes = [`${origin}/.default`];
  }
  return need("clientCredentialsToken")(
    defined({ tokenUrl: env.IDP_TOKEN_URL, clientId: env.IDP_CLIENT_ID, clientSecret: env.IDP_CLIENT_SECRET, scopes, audience }),
  );
}

/** The connection options every call takes. */
function connection(values, env, ui, signal) {
  const project = values.project ?? nonEmpty(env.CDF_PROJECT);
  if (project === undefined) throw usage("--project is required (or set CDF_PROJECT)", "--project");
  // --cluster and --base-url are one setting: either flag replaces both variables.
  const fromFlags = values.cluster !== undefined || values["base-url"] !== undefined;
  const cluster = fromFlags ? values.cluster : nonEmpty(env.CDF_CLUSTER);
  const baseUrl = fromFlags ? values["base-url"] : nonEmpty(env.CDF_BASE_URL);
  return defined({
    project,
    cluster,
    baseUrl,
    token: tokenFrom(env, { cluster, baseUrl }),
    appName: values["app-name"],
    timeoutMs: integer(values["timeout-ms"]),
    maxRetries: integer(values["max-retries"]),
    signal,
    // Only with --verbose: a package without onRetry (0.1) rejects the key.
    onRetry: values.verbose ? (event) => ui.retry(event) : undefined,
  });
}

/** Sessions by client credentials (CDF_CLIENT_ID / CDF_CLIENT_SECRET), or undefined. */
function sessionCredentials(env) {
  return env.CDF_CLIENT_ID || env.CDF_CLIENT_SECRET
    ? { clientId: env.CDF_CLIENT_ID ?? "", clientSecret: env.CDF_CLIENT_SECRET ?? "" }
    : undefined;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** --since: "24h", "30m", "7d", "2w", "90s", or an ISO date / date-time → ms since the epoch. */
function since(text, now) {
  const relative = /^(\d{1,9})([smhdw])$/.exec(text);
  if (relative) return Math.max(0, now - Number(relative[1]) * UNIT_MS[relative[2]]);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) {
    const time = Date.parse(text);
    if (Number.isInteger(time) && time >= 0) return time;
  }
  throw usage(`--since takes a duration such as 30m, 24h or 7d, or an ISO date such as 2026-03-10 (got ${quote(text)})`, "--since");
}

/** --status values (repeatable, comma separated, any case), checked against `allowed`. */
function statuses(list, allowed) {
  const out = [];
  for (const item of list.flatMap((s) => s.split(","))) {
    const status = item.trim().toUpperCase();
    if (!allowed.includes(status)) {
      throw usage(`--status takes ${allowed.join(", ")} (got ${quote(item.trim())})`, "--status");
    }
    if (!out.includes(status)) out.push(status);
  }
  return out;
}

/** listExecutions' filter options from --workflow, --status, --since, --limit. */
function filterFrom(values, allowed) {
  return defined({
    workflows: values.workflow,
    status: values.status ? statuses(values.status, allowed) : undefined,
    createdTimeStart: values.since !== undefined ? since(values.since, Date.now()) : undefined,
    limit: integer(values.limit),
  });
}

/** --wait's options, checked before anything is retried; null without --wait. */
function waitOptions(values) {
  if (!values.wait) {
    for (const name of ["wait-timeout-ms", "poll-interval-ms"]) {
      if (values[name] !== undefined) throw usage(`--${name} goes with --wait`, `--${name}`);
    }
    return null;
  }
  return {
    timeoutMs: checkedInteger(values, "wait-timeout-ms", 1, 2_147_483_647),
    pollIntervalMs: checkedInteger(values, "poll-interval-ms", 100, 60_000),
  };
}

/** "1111…-… (nightly-ingest v3)", each part cleaned. */
function label(execution) {
  const workflow = [execution.workflowExternalId, execution.version].filter((x) => x !== undefined).map(clean).join(" ");
  return workflow ? `${clean(execution.id)} (${workflow})` : clean(execution.id);
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------------------
// Commands. Each resolves to its exit code.
// ---------------------------------------------------------------------------

/** Waits for one execution; prints its final state. Resolves to { code, status }. */
async function waitFor(ctx, executionId, { timeoutMs, pollIntervalMs }) {
  const { ui } = ctx;
  try {
    const details = await need("waitForExecution")(
      defined({
        ...ctx.connection,
        executionId,
        timeoutMs, // the wait's own deadline: --wait-timeout-ms, or --timeout-ms for `wait`
        pollIntervalMs,
        onProgress: (d) => ctx.onWaitProgress?.(executionId, d),
      }),
    );
    ui.out(details);
    if (details.status === "COMPLETED") {
      ui.progress(`${label(details)} ended COMPLETED`);
      return { code: EXIT.ok, status: details.status };
    }
    const reason = details.reasonForIncompletion ? `: ${oneLine(details.reasonForIncompletion)}` : "";
    ui.note(`${label(details)} ended ${clean(details.status)}${reason}`);
    return { code: EXIT.unsuccessful, status: details.status };
  } catch (e) {
    if (ctx.cancelled && lib.isCdfError(e) && e.kind === "aborted") return { code: null };
    const error = asReportable(e);
    ui.failure(error, { executionId, prefix: safe`waiting for ${executionId} failed: `, sources: ctx.waitSources });
    return { code: exitCodeOf(error), error };
  }
}

/**
 * Runs retryExecutions (`start(onProgress)`), printing each retried execution as it finishes
 * (or, with --wait, its final state), then a summary line. Resolves to the exit code.
 */
async function batch(ctx, start, { wait, concurrency, initial }) {
  const { ui } = ctx;
  let total = 0;
  let done = 0;
  let retried = 0;
  let failed = 0;
  let waited = 0;
  const waits = [];
  const reported = new Set();
  const limit = pool(typeof concurrency === "number" ? concurrency : 4);

  const bar = () => {
    const width = 20;
    const filled = total ? Math.round((done / total) * width) : 0;
    let text = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} · ${retried} retried · ${failed} failed`;
    if (wait) text += ` · ${waited}/${retried} ended`;
    ui.status(text);
  };
  const onRetried = (execution, counter) => {
    reported.add(execution.id);
    if (wait) {
      ui.progress(`${counter}retried ${label(execution)}: ${clean(execution.status)}; waiting`);
      waits.push(
        limit(() => waitFor(ctx, execution.id, wait)).then((outcome) => {
          waited += 1;
          bar();
          return outcome;
        }),
      );
    } else {
      ui.out(execution);
      ui.progress(`${counter}retried ${label(execution)}: ${clean(execution.status)}`);
    }
  };
  const onFailed = (executionId, error, counter) => {
    reported.add(executionId);
    if (ctx.cancelled && error?.kind === "aborted") return;
    ui.failure(asReportable(error), { executionId, prefix: safe`${counter}failed ${executionId}: ` });
  };
  const onProgress = (event) => {
    ({ total, done } = event);
    const counter = `[${event.done}/${event.total}] `;
    if (event.execution) {
      retried += 1;
      onRetried(event.execution, counter);
    } else {
      failed += 1;
      onFailed(event.executionId, event.error, counter);
    }
    bar();
  };

  ui.status(initial);
  const result = await start(onProgress);
  // Whatever onProgress did not tell (it is not called for executions an abort stopped).
  for (const execution of result.retried) if (!reported.has(execution.id)) onRetried(execution, "");
  for (const { executionId, error } of result.failed) if (!reported.has(executionId)) onFailed(executionId, error, "");
  const outcomes = await Promise.all(waits);
  ui.clear();

  const count = result.retried.length + result.failed.length;
  if (count === 0) {
    ui.note("no executions to retry");
    return EXIT.ok;
  }
  let summary = `${plural(count, "execution")}: ${result.retried.length} retried`;
  if (result.failed.length) summary += `, ${result.failed.length} failed`;
  if (wait) {
    const ended = new Map();
    for (const { status } of outcomes) if (status) ended.set(status, (ended.get(status) ?? 0) + 1);
    const parts = [...ended].map(([status, n]) => `${n} ${clean(status)}`);
    const lost = outcomes.filter((o) => o.error).length;
    if (lost) parts.push(`${lost} not waited for`);
    if (parts.length) summary += `; ended: ${parts.join(", ")}`;
  }
  if (!ctx.cancelled) ui.note(summary);

  const firstFailure = result.failed.find(({ error }) => !(ctx.cancelled && error?.kind === "aborted"));
  if (firstFailure) return exitCodeOf(firstFailure.error);
  const waitError = outcomes.find((o) => o.error);
  if (waitError) return exitCodeOf(waitError.error);
  if (outcomes.some((o) => o.code === EXIT.unsuccessful)) return EXIT.unsuccessful;
  return EXIT.ok;
}

/** A tiny p-limit: at most `n` of the given tasks run at once. */
function pool(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || !queue.length) return;
    active += 1;
    const { task, resolve, reject } = queue.shift();
    task().then(resolve, reject).finally(() => {
      active -= 1;
      next();
    });
  };
  return (task) =>
    new Promise((resolve, reject) => {
      queue.push({ task, resolve, reject });
      next();
    });
}

const commands = {
  async retry(ctx, ids) {
    const { values, env, ui } = ctx;
    if (!ids.length) throw usage("give at least one execution id", "<executionId>", "retry");
    const nonce = values.nonce ?? nonEmpty(env.CDF_NONCE);
    const wait = waitOptions(values);
    ctx.connection = connection(values, env, ui, ctx.signal);
    const clientCredentials = sessionCredentials(env);

    if (ids.length === 1) {
      if (wait) need("waitForExecution"); // before anything is retried
      ui.status(safe`retrying ${ids[0]}`);
      const execution = await lib.retryExecution(defined({ ...ctx.connection, executionId: ids[0], nonce, clientCredentials }));
      if (!wait) {
        ui.clear();
        ui.out(execution);
        return EXIT.ok;
      }
      ui.progress(`retried ${label(execution)}: ${clean(execution.status)}; waiting`);
      ctx.waitSources = { timeoutMs: "--wait-timeout-ms" };
      ctx.onWaitProgress = (id, d) => ui.status(safe`waiting for ${id}: ${d.status}`);
      ui.status(safe`waiting for ${execution.id}: ${execution.status}`);
      const outcome = await waitFor(ctx, execution.id, wait);
      ui.clear();
      return outcome.code ?? EXIT.aborted;
    }

    if (nonce !== undefined) {
      const source = values.nonce !== undefined ? "--nonce" : "CDF_NONCE";
      throw usage(`a nonce binds one execution: give ${source} with one execution id only`, source);
    }
    if (wait) need("waitForExecution");
    const concurrency = integer(values.concurrency);
    const retryExecutions = need("retryExecutions");
    ctx.waitSources = { timeoutMs: "--wait-timeout-ms" };
    return batch(
      ctx,
      (onProgress) => retryExecutions(defined({ ...ctx.connection, executionIds: ids, clientCredentials, concurrency, onProgress })),
      { wait, concurrency, initial: `retrying ${plural(new Set(ids.map((id) => id.toLowerCase())).size, "execution")}` },
    );
  },

  async "retry-failed"(ctx, positionals) {
    const { values, env, ui } = ctx;
    if (positionals.length) throw usage("retry-failed takes no execution ids (use retry <executionId>…)", "<executionId>", "retry-failed");
    const filter = filterFrom(values, RETRYABLE);
    if (!values.all && values.workflow === undefined && values.since === undefined) {
      throw usage("give --workflow or --since (or --all to retry across all workflows and time)", "--all", "retry-failed");
    }
    if (nonEmpty(env.CDF_NONCE) !== undefined) {
      throw usage("CDF_NONCE is set, but retry-failed creates a session per execution (a nonce binds once): unset it", "CDF_NONCE");
    }
    const wait = waitOptions(values);
    if (values["dry-run"] && wait) throw usage("--dry-run retries nothing, so there is nothing to --wait for", "--wait", "retry-failed");
    ctx.connection = connection(values, env, ui, ctx.signal);
    if (wait) need("waitForExecution"); // before anything is retried

    if (values["dry-run"]) {
      // A clean preview means the real run would start: its own option is checked too.
      checkedInteger(values, "concurrency", 1, 16);
      const listExecutions = need("listExecutions");
      ui.status("listing executions");
      const executions = await listExecutions({ ...ctx.connection, ...filter, status: filter.status ?? RETRYABLE });
      ui.clear();
      for (const execution of executions) ui.out(execution);
      ui.note(`dry run: ${plural(executions.length, "execution")} would be retried`);
      return EXIT.ok;
    }
    const concurrency = integer(values.concurrency);
    const retryExecutions = need("retryExecutions");
    ctx.waitSources = { timeoutMs: "--wait-timeout-ms" };
    return batch(
      ctx,
      (onProgress) =>
        retryExecutions(defined({ ...ctx.connection, filter, clientCredentials: sessionCredentials(env), concurrency, onProgress })),
      { wait, concurrency, initial: "listing executions" },
    );
  },

  async list(ctx, positionals) {
    const { values, env, ui } = ctx;
    if (positionals.length) throw usage("list takes no arguments (use get <executionId>)", "<executionId>", "list");
    const filter = filterFrom(values, STATUSES);
    ctx.connection = connection(values, env, ui, ctx.signal);
    const listExecutions = need("listExecutions");
    ui.status("listing executions");
    const executions = await listExecutions({ ...ctx.connection, ...filter });
    ui.clear();
    for (const execution of executions) ui.out(execution);
    return EXIT.ok;
  },

  async get(ctx, ids) {
    const { values, env, ui } = ctx;
    if (ids.length !== 1) throw usage("give exactly one execution id", "<executionId>", "get");
    ctx.connection = connection(values, env, ui, ctx.signal);
    const getExecution = need("getExecution");
    ui.status(safe`getting ${ids[0]}`);
    const details = await getExecution({ ...ctx.connection, executionId: ids[0] });
    ui.clear();
    ui.out(details);
    return EXIT.ok;
  },

  async wait(ctx, ids) {
    const { values, env, ui } = ctx;
    if (ids.length !== 1) throw usage("give exactly one execution id", "<executionId>", "wait");
    const pollIntervalMs = checkedInteger(values, "poll-interval-ms", 100, 60_000);
    ctx.connection = connection(values, env, ui, ctx.signal);
    ui.progress(safe`waiting for ${ids[0]}`);
    ui.status(safe`waiting for ${ids[0]}`);
    ctx.onWaitProgress = (id, d) => ui.status(safe`waiting for ${id}: ${d.status}`);
    // --timeout-ms is the deadline of the whole wait here (the package's meaning).
    const outcome = await waitFor(ctx, ids[0], { timeoutMs: ctx.connection.timeoutMs, pollIntervalMs });
    ui.clear();
    return outcome.code ?? EXIT.aborted;
  },

  async cancel(ctx, positionals) {
    const { values, env, ui } = ctx;
    const ids = executionIds(positionals, "cancel");
    ctx.connection = connection(values, env, ui, ctx.signal);
    const cancelExecution = need("cancelExecution");
    const cancel = (executionId) => cancelExecution(defined({ ...ctx.connection, executionId, reason: values.reason }));

    if (ids.length === 1) {
      ui.status(safe`cancelling ${ids[0]}`);
      const execution = await cancel(ids[0]);
      ui.clear();
      ui.out(execution);
      return EXIT.ok;
    }
    // One at a time, in the order given; a failure does not stop the others.
    let firstFailure = null;
    let cancelled = 0;
    for (const [k, id] of ids.entries()) {
      if (ctx.signal.aborted) break;
      const counter = `[${k + 1}/${ids.length}] `;
      ui.status(safe`${counter}cancelling ${id}`);
      try {
        const execution = await cancel(id);
        cancelled += 1;
        ui.out(execution);
        ui.progress(`${counter}cancelled ${label(execution)}: ${clean(execution.status)}`);
      } catch (e) {
        if (ctx.cancelled && e?.kind === "aborted") break;
        // A bad option (--reason, the connection) is the same for every id: stop at once.
        if (e?.kind === "invalid_input") throw e;
        const error = asReportable(e);
        firstFailure ??= error;
        ui.failure(error, { executionId: id, prefix: safe`${counter}failed ${id}: ` });
      }
    }
    ui.clear();
    if (ctx.cancelled) return EXIT.aborted;
    const failed = ids.length - cancelled;
    ui.note(`${plural(ids.length, "execution")}: ${cancelled} cancelled${failed ? `, ${failed} failed` : ""}`);
    return firstFailure ? exitCodeOf(firstFailure) : EXIT.ok;
  },

  async "trigger-runs"(ctx, positionals) {
    const { values, env, ui } = ctx;
    if (positionals.length !== 1) {
      throw usage("give exactly one trigger external id", "<triggerExternalId>", "trigger-runs");
    }
    const [triggerExternalId] = positionals;
    let status;
    if (values.status !== undefined) {
      status = values.status.trim().toLowerCase();
      if (!RUN_STATUSES.includes(status)) throw usage(`--status takes failed or success (got ${quote(values.status)})`, "--status", "trigger-runs");
    }
    ctx.connection = connection(values, env, ui, ctx.signal);
    const listTriggerRuns = need("listTriggerRuns");
    ui.status(safe`listing the runs of ${triggerExternalId}`);
    const runs = await listTriggerRuns(defined({ ...ctx.connection, triggerExternalId, status, limit: integer(values.limit) }));
    ui.clear();
    for (const run of runs) ui.out(run);
    return EXIT.ok;
  },

  async triage(ctx, positionals) {
    const { values, env, ui } = ctx;
    if (positionals.length) throw usage("triage takes no arguments (use --workflow to choose workflows)", "<executionId>", "triage");
    const filter = filterFrom(values, RETRYABLE);
    ctx.connection = connection(values, env, ui, ctx.signal);
    const listExecutions = need("listExecutions");
    const groupFailures = need("groupFailures"); // before anything is sent
    ui.status("listing executions");
    const executions = await listExecutions({ ...ctx.connection, ...filter, status: filter.status ?? RETRYABLE });
    ui.clear();
    const groups = groupFailures(executions, { limit: MAX_GROUPS });
    const table = ui.stdout.isTTY === true && !ui.json;
    if (table) {
      for (const line of groupTable(groups, ui.stdout.columns)) ui.print(line);
    } else {
      for (const group of groups) ui.out(group);
    }
    if (!executions.length) {
      ui.note("no failed executions found");
      return EXIT.ok;
    }
    const grouped = groups.reduce((n, g) => n + (Number.isInteger(g.count) ? g.count : 0), 0);
    let summary = `${plural(executions.length, "execution")} in ${plural(groups.length, "failure group")}`;
    if (groups.length >= MAX_GROUPS && grouped < executions.length) summary += ` (the ${groups.length} largest shown: ${grouped} executions)`;
    if (table) summary += "; --json for each group's execution ids";
    ui.note(summary);
    return EXIT.ok;
  },
};

/** The groups triage asks groupFailures for at most (its own maximum). */
const MAX_GROUPS = 1000;

/**
 * Execution ids from the command line: at least one, each a UUID (checked here, so nothing is
 * sent when one is wrong), duplicates in any case once (the first spelling kept).
 */
function executionIds(positionals, command) {
  if (!positionals.length) throw usage("give at least one execution id", "<executionId>", command);
  const seen = new Set();
  const ids = [];
  for (const id of positionals) {
    if (!UUID.test(id)) throw usage(`${quote(id)} is not an execution id (a UUID such as 11111111-1111-4111-8111-111111111111)`, "<executionId>", command);
    if (seen.has(id.toLowerCase())) continue;
    seen.add(id.toLowerCase());
    ids.push(id);
  }
  return ids;
}

// ---------------------------------------------------------------------------
// The triage table
// ---------------------------------------------------------------------------

/** How many terminal columns a cell takes (code points; wide characters count as one). */
const widthOf = (text) => [...text].length;

/** `text` in at most `width` columns, "…" where it was cut. */
function fit(text, width) {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

const pad = (text, width) => text + " ".repeat(Math.max(0, width - widthOf(text)));
const padStart = (text, width) => " ".repeat(Math.max(0, width - widthOf(text))) + text;

/** `text` in lines of at most `width` columns, broken between words (a longer word is split). */
function wrap(text, width) {
  const out = [];
  let line = "";
  for (let word of text.split(" ").filter(Boolean)) {
    while (widthOf(word) > width) {
      if (line) out.push(line);
      const chars = [...word];
      out.push(chars.slice(0, width).join(""));
      word = chars.slice(width).join("");
      line = "";
    }
    if (!word) continue;
    if (line && widthOf(line) + 1 + widthOf(word) > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line || !out.length) out.push(line);
  return out;
}

/**
 * The failure groups as a table for a terminal `columns` wide (default 80): COUNT, WORKFLOW
 * (cut at 40 columns), STATUSES (most first) and FAILURE (the signature, or the example when
 * the signature is empty), wrapped under its heading. Every cell is cleaned and has no line
 * break of its own. Returns the lines.
 */
export function groupTable(groups, columns) {
  const width = Number.isInteger(columns) && columns > 0 ? columns : 80;
  const rows = groups.map((g) => {
    const statuses = Object.entries(g.statuses ?? {})
      .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0))
      .map(([status, n]) => `${oneLine(status)} ${oneLine(n)}`)
      .join(", ");
    return [oneLine(g.count), fit(oneLine(g.workflowExternalId), 40), statuses, oneLine(g.signature || g.example || "(no reason given)")];
  });
  const header = ["COUNT", "WORKFLOW", "STATUSES", "FAILURE"];
  const widths = header.map((h, i) => Math.max(widthOf(h), ...rows.map((r) => widthOf(r[i]))));
  const gap = "  ";
  const indent = widths.slice(0, 3).reduce((a, b) => a + b, 0) + 3 * gap.length;
  // The last column gets what is left of the width (at least 20: a narrow terminal wraps).
  const room = Math.max(20, width - 1 - indent);
  const lines = [];
  for (const cells of [header, ...rows]) {
    const [first, ...more] = wrap(cells[3], room);
    lines.push([padStart(cells[0], widths[0]), pad(cells[1], widths[1]), pad(cells[2], widths[2]), first].join(gap).trimEnd());
    for (const rest of more) lines.push(" ".repeat(indent) + rest);
  }
  return lines;
}

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

/** The usage error for a parseArgs failure. It names options, never their values. */
function parseProblem(e, args, options, command) {
  const problem = (message, field) => usage(message, field, command ?? "general");
  if (e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
    const bad = tokens.find((t) => t.kind === "option" && !Object.hasOwn(options, t.name));
    const name = bad ? clean(bad.rawName) : "an option";
    const owners = bad ? Object.keys(COMMANDS).filter((c) => Object.hasOwn(COMMANDS[c], bad.name)) : [];
    return problem(owners.length ? `${name} is an option of ${owners.join(", ")} only` : `unknown option ${name}`, bad?.rawName);
  }
  if (e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = /'(--?[\w-]+)/.exec(e.message)?.[1];
    const shown = name ?? "an option";
    if (/ambiguous/.test(e.message)) return problem(`${shown} needs a value; give a value that starts with "-" as ${shown}=<value>`, name);
    if (/does not take an argument/.test(e.message)) return problem(`${shown} takes no value`, name);
    return problem(`${shown} needs a value`, name);
  }
  return problem("the command line could not be read");
}

/** Is this first argument a mistyped command rather than an execution id? */
function looksLikeCommand(text) {
  return /^[a-z]+(-[a-z]+)*$/i.test(text) && !UUID.test(text);
}

/**
 * Finds the command, parses its options strictly, runs it. Resolves to the exit code. `ctx`:
 * { lib, signal, cancelled, stdout?, stderr? } (the streams default to the process's); it
 * gets `ui`, `values` and `env`.
 */
export async function main(argv, env, ctx) {
  lib = ctx.lib;
  // First pass, lenient: where the command word is, and --json/--verbose for reporting.
  const first = parseArgs({ args: argv, options: ALL, strict: false, allowPositionals: true, tokens: true });
  ctx.ui = new Ui({ json: first.values.json === true, verbose: first.values.verbose === true, stdout: ctx.stdout, stderr: ctx.stderr });
  const word = first.tokens.find((t) => t.kind === "positional");

  let command = null;
  let args = argv;
  if (word && (Object.hasOwn(COMMANDS, word.value) || word.value === "help")) {
    command = word.value;
    args = argv.filter((_, i) => i !== word.index);
  } else if (word) {
    if (looksLikeCommand(word.value)) {
      throw usage(`${quote(word.value)} is neither a command nor an execution id`, "<command>", "general");
    }
    command = "retry";
  }

  if (command === "help") {
    const { positionals } = parseArgs({ args, options: ALL, strict: false, allowPositionals: true });
    const topic = positionals[0] ?? "general";
    if (!Object.hasOwn(HELP, topic)) throw usage(`unknown command ${quote(topic)}`, "<command>", "general");
    ctx.ui.stdout.write(HELP[topic]);
    return EXIT.ok;
  }

  const options = command ? COMMANDS[command] : ALL;
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw parseProblem(e, args, options, command);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    ctx.ui.stdout.write(HELP[command ?? "general"]);
    return EXIT.ok;
  }
  if (!command) {
    if (values.version) {
      const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
      ctx.ui.stdout.write(`${version}\n`);
      return EXIT.ok;
    }
    throw usage("give a command or an execution id", "<command>", "general");
  }
  Object.assign(ctx, { values, env });
  return commands[command](ctx, positionals);
}

/**
 * Runs the command line (main) and reports what stopped it: a failure (one line, and the
 * usage for a command-line mistake) or a cancellation. Resolves to the exit code.
 */
export async function execute(argv, env, ctx) {
  const fallbackUi = () => ctx.ui ?? new Ui({ json: false, verbose: false, stdout: ctx.stdout, stderr: ctx.stderr });
  let code;
  try {
    code = await main(argv, env, ctx);
  } catch (e) {
    const ui = fallbackUi();
    ui.clear();
    if (ctx.cancelled && lib.isCdfError(e) && e.kind === "aborted") {
      code = EXIT.aborted; // reported below
    } else {
      const error = asReportable(e);
      ui.failure(error);
      if (error.usage && !ui.json) {
        const synopsis = error.usage === "general" ? `${NAME} <command> [options]` : SYNOPSIS[error.usage];
        const help = error.usage === "general" ? `${NAME} --help for the commands and options` : `${NAME} ${error.usage} --help for its options`;
        ui.write(`Usage: ${synopsis}`);
        ui.write(`See ${help}.`);
      }
      code = exitCodeOf(error);
    }
  }
  if (ctx.cancelled) {
    const ui = fallbackUi();
    ui.clear();
    if (ui.json) ui.write(jsonLine(errorObject({ kind: "aborted", message: "cancelled" })));
    else ui.write(`${NAME}: cancelled`);
    code = EXIT[ctx.cancelled];
  }
  return code;
}

/** Runs the command line of this process with the package `library`; sets process.exitCode. */
export async function run(library) {
  const controller = new AbortController();
  const ctx = { lib: library, signal: controller.signal, cancelled: null, ui: null };
  const onSignal = (signal) => {
    if (ctx.cancelled) {
      ctx.ui?.clear();
      process.exit(EXIT[signal]); // a second signal: leave at once
    }
    ctx.cancelled = signal;
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A reader that went away (`| head`): stop, quietly.
  process.stdout.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    controller.abort(new Error("stdout closed"));
    process.exit(EXIT.ok);
  });
  try {
    process.exitCode = await execute(process.argv.slice(2), process.env, ctx);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
