// Unit tests of the command line's module (bin/cli-core.mjs) without the wasm: the sanitiser
// every printed text goes through, and the commands run in process against a stand-in of the
// package (`lib`) with fake stdout and stderr. The CLI installed from the tarball and run
// against the mock is tested in tests/consumers/cli*.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clean, execute, jsonLine, safe } from "../../bin/cli-core.mjs";

/** Every C0 and C1 control, DEL, and the bidi controls: none may survive clean(). */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

test("clean: escape sequences go whole, 7-bit and 8-bit", () => {
  const cases = [
    ["a\x1b[2Jb", "ab"], // CSI: clear screen
    ["a\x1b[?25lb", "ab"], // private parameters
    ["a\x1b[38;5;196mb\x1b[0m", "ab"], // colours
    ["a\x1b[1 qb", "ab"], // an intermediate before the final
    ["a\x1b]0;title\x07b", "ab"], // OSC ended by BEL
    ["a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"], // OSC 8 hyperlink, ended by ESC \
    ["a\x1b]2;title\u009cb", "ab"], // OSC ended by 8-bit ST
    ["a\x1bP1$rdata\x1b\\b", "ab"], // DCS
    ["a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d", "abcd"], // SOS, PM, APC
    ["a\u009b31mb", "ab"], // 8-bit CSI
    ["a\u009d0;title\x07b", "ab"], // 8-bit OSC
    ["a\u0090data\u009cb\u0098x\u009cc\u009ex\u009cd\u009fx\u009ce", "abcde"], // 8-bit DCS, SOS, PM, APC
    ["a\x1bcb\x1b7c\x1b8d\x1bMe", "abcde"], // two-character sequences
    ["a\x1b(Bb\x1b#8c", "abc"], // ESC, intermediate, final
    ["a\x1b", "a"], // a lone ESC at the end
    ["a\x1b\x1b[2Jb", "ab"],
    ["a\x1bé", "aé"], // ESC before a character no sequence takes
  ];
  for (const [input, expected] of cases) assert.equal(clean(input), expected, JSON.stringify(input));
});

test("clean: a sequence without its end loses only its introducer", () => {
  assert.equal(clean("a\x1b]0;no end"), "a0;no end");
  assert.equal(clean("a\u009d0;no end"), "a0;no end");
  assert.equal(clean("a\x1bPno end"), "ano end");
  assert.equal(clean("a\x1b[12"), "a12"); // CSI without a final character
  assert.equal(clean("a\x1b[12\né"), "a12 é");
  // Many unterminated introducers: linear time (each search for a terminator is done once).
  const hostile = "\x1b]".repeat(300_000) + "\x1b[".repeat(300_000) + "\u009d".repeat(300_000);
  const started = process.hrtime.bigint();
  assert.equal(clean(hostile), "");
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000, "cleaned 1.2 M characters in under 2 s");
});

test("clean: line breaks and tabs become a space; every other control and bidi control goes", () => {
  assert.equal(clean("a\nb\r\nc\td\ve\ff\u0085g\u2028h\u2029i"), "a b  c d e f g h i");
  assert.equal(clean("reason\n✔ retried 999"), "reason ✔ retried 999");
  for (let c = 0; c <= 0x9f; c++) {
    if (c >= 0x20 && c < 0x7f) continue;
    const out = clean(`a${String.fromCharCode(c)}b`);
    assert.ok(!UNSAFE.test(out), `U+${c.toString(16)} removed: ${JSON.stringify(out)}`);
  }
  for (const c of [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
    assert.equal(clean(`a${String.fromCodePoint(c)}b`), "ab", `U+${c.toString(16)}`);
  }
  assert.equal(clean("\x00\x07\x08\x7f"), "");
});

test("clean: plain text, non-ASCII and emoji are kept as they are; non-strings are turned into text", () => {
  for (const text of ["", "nightly-ingest v3", "Ærøskøbing ✔ 日本語 👍🏽 ‑–—", "<b>not markup here</b> \\u001b"]) {
    assert.equal(clean(text), text);
  }
  assert.equal(clean(404), "404");
  assert.equal(clean(undefined), "undefined");
});

test("clean: the result is always safe, and cleaning it again changes nothing", () => {
  // A fixed pseudo-random walk over the characters that matter.
  const alphabet = ["\x1b", "[", "]", "P", "\\", "\x07", "\u009b", "\u009c", "\u009d", "\u0090", "\n", "\r", "\u202e", "0", ";", "m", "a", "é", " ", "(", "B", "\x7f", "\u0085"];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 5000; n++) {
    let text = "";
    for (let k = next() % 30; k > 0; k--) text += alphabet[next() % alphabet.length];
    const once = clean(text);
    assert.ok(!UNSAFE.test(once), `${JSON.stringify(text)} → ${JSON.stringify(once)}`);
    assert.equal(clean(once), once, JSON.stringify(text));
  }
});

test("safe: each value is cleaned by itself, so it never joins the words after it", () => {
  // Cleaned as one line, "\x1b[" + " r" would be a CSI eating " r" of the CLI's own words.
  assert.equal(clean(`x\x1b[ retried`), "xetried");
  assert.equal(safe`${"x\x1b["} retried ${"\u009d"}2 executions`, "x retried 2 executions");
  assert.equal(safe`${1}/${"2\n"}`, "1/2 ");
});

test("jsonLine: valid compact JSON, the structure kept, every string and key cleaned", () => {
  const evil = "a\x1b[2J\u009b31m\n✔ retried 999\u202e";
  const value = {
    id: "11111111-1111-4111-8111-111111111111",
    n: 1.5,
    ok: true,
    none: null,
    [evil]: [evil, { deep: [[evil]] }, 7],
    ["__proto__"]: { polluted: evil },
  };
  const line = jsonLine(value);
  assert.ok(!UNSAFE.test(line), line);
  assert.ok(!line.includes("\\u001b") && !line.includes("\\n"), line);
  const parsed = JSON.parse(line);
  const cleanText = "a ✔ retried 999";
  assert.deepEqual(Object.keys(parsed), ["id", "n", "ok", "none", cleanText, "__proto__"]);
  assert.deepEqual(parsed[cleanText], [cleanText, { deep: [[cleanText]] }, 7]);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, "__proto__").value, { polluted: cleanText });
  assert.equal(jsonLine({ a: "plain", b: [1, "x"] }), '{"a":"plain","b":[1,"x"]}');
  // Two keys cleaned to the same text: the first is kept.
  assert.equal(jsonLine({ "k\x07": 1, k: 2 }), '{"k":1}');
});

// ---------------------------------------------------------------------------
// The commands in process, against a stand-in of the package
// ---------------------------------------------------------------------------

/** A writable that keeps what it was given. */
function sink({ isTTY = false, columns } = {}) {
  return { isTTY, columns, text: "", write(chunk) { this.text += chunk; return true; } };
}

class FakeCdfError extends Error {
  constructor(fields) {
    super(fields.message);
    Object.assign(this, fields);
    this.name = "CdfError";
  }
}

/** A stand-in of the package: `functions` plus isCdfError. */
const fakeLib = (functions) => ({ isCdfError: (e) => e instanceof FakeCdfError, ...functions });

const TOKEN = "tok-SECRET";

/** Runs the command line in process (execute: main and its error report); resolves to { code, stdout, stderr, calls }. */
async function runMain(args, functions, { env = {}, stdout = sink(), stderr = sink() } = {}) {
  const calls = [];
  const wrapped = {};
  for (const [name, fn] of Object.entries(functions)) {
    wrapped[name] = (...a) => {
      calls.push([name, ...a]);
      return fn(...a);
    };
  }
  const ctx = { lib: fakeLib(wrapped), signal: new AbortController().signal, cancelled: null, stdout, stderr };
  const code = await execute(args, { CDF_TOKEN: TOKEN, CDF_PROJECT: "proj", CDF_BASE_URL: "https://cdf.example", ...env }, ctx);
  for (const text of [stdout.text, stderr.text]) assert.ok(!text.includes(TOKEN), "the token is never printed");
  return { code, stdout: stdout.text, stderr: stderr.text, calls };
}

const EVIL = "a\x1b[2Jb\x1b]0;pwned\x07c\u009b31md\n✔ retried 999\u202e";
const CLEAN = "abcd ✔ retried 999";
const ID = "11111111-1111-4111-8111-111111111111";
const execution = (fields = {}) => ({ id: ID, workflowExternalId: EVIL, version: EVIL, status: "FAILED", engineExecutionId: ID, createdTime: 1, metadata: { [EVIL]: EVIL }, reasonForIncompletion: EVIL, ...fields });

test("in process: list, wait and a failure print outside text cleaned (the sinks)", async () => {
  const list = await runMain(["list"], { listExecutions: async () => [execution()] });
  assert.equal(list.code, 0);
  assert.deepEqual(JSON.parse(list.stdout), { ...execution(), workflowExternalId: CLEAN, version: CLEAN, metadata: { [CLEAN]: CLEAN }, reasonForIncompletion: CLEAN });

  const wait = await runMain(["wait", ID], { waitForExecution: async () => ({ ...execution(), status: `FAILED${EVIL}`, executedTasks: [] }) });
  assert.equal(wait.code, 8);
  assert.equal(wait.stderr, `cdf-workflow-retry: waiting for ${ID}\ncdf-workflow-retry: ${ID} (${CLEAN} ${CLEAN}) ended FAILED${CLEAN}: ${CLEAN}\n`);

  const refused = new FakeCdfError({ kind: "api", status: 400, operation: "listExecutions", requestId: `r\u009b2J${EVIL}`, message: EVIL, code: `c${EVIL}`, retryable: false });
  const text = await runMain(["list"], { listExecutions: async () => { throw refused; } });
  assert.equal(text.code, 3);
  assert.equal(text.stdout, "");
  assert.equal(text.stderr, `cdf-workflow-retry: api status=400 operation=listExecutions requestId=r${CLEAN}: ${CLEAN}\n`);
  const json = await runMain(["list", "--json"], { listExecutions: async () => { throw refused; } });
  assert.equal(json.code, 3);
  assert.deepEqual(JSON.parse(json.stderr), {
    kind: "api", status: 400, code: `c${CLEAN}`, requestId: `r${CLEAN}`, message: CLEAN, retryable: false, operation: "listExecutions", field: null,
  });

  // What the user typed, with a line break in it: still one line.
  const usage = await runMain(["list", "--status", "FAILED\n✔ retried\u009b 999"], {});
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr, 'cdf-workflow-retry: invalid_input: --status takes RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED (got "FAILED ✔ retried 999")\n');
});
