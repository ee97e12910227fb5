// `node bench/answers.mjs`: CPU per answer of the built package (pkg/) for hostile shapes of up to
// 1 MiB (many keys, duplicate keys, a long string, escapes, numbers, deep user JSON, an error
// body with many keys), beside JSON.parse of the same text, in one run. The answers come from a
// server in a child process, so the CPU measured is the client's alone. Prints one row a shape:
// the body size, the client's CPU per call, per 100 KB, and JSON.parse's CPU for the same text.
// A timing-shaped figure: measured here, never asserted in tests (they hold generous bounds).
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ID = "11111111-1111-4111-8111-111111111111";
const ENGINE = "22222222-2222-4222-8222-222222222222";
const execution = (extra = {}) => ({ id: ID, workflowExternalId: "wf", status: "FAILED", engineExecutionId: ENGINE, createdTime: 1, metadata: {}, ...extra });

/** name → [status, body text] */
function shapes() {
  const keys = {};
  for (let i = 0; i < 80_000; i++) keys[`k${i.toString(36)}`] = "v";
  let duplicates = '{"id":"' + ID + '","workflowExternalId":"wf","status":"FAILED","engineExecutionId":"' + ENGINE + '","createdTime":1,"metadata":{';
  duplicates += Array.from({ length: 80_000 }, (_, i) => `"k${i % 2}":"v"`).join(",") + "}}";
  let deep = { leaf: "x".repeat(500_000) };
  for (let i = 0; i < 2000; i++) deep = { [`l${i}`]: deep };
  const details = (input) => ({ ...execution(), executedTasks: [{ id: "t", externalId: "t", status: "FAILED", taskType: "function", input, output: {} }], workflowDefinition: { hash: "h", tasks: [] } });
  const error = { code: 400, message: "bad" };
  for (let i = 0; i < 70_000; i++) error[`x${i.toString(36)}`] = "v";
  return {
    "80 000 metadata keys": [200, JSON.stringify(execution({ metadata: keys }))],
    "80 000 duplicate keys": [200, duplicates],
    "one long string": [200, JSON.stringify(execution({ metadata: { a: "x".repeat(1_000_000) } }))],
    "escapes": [200, JSON.stringify(execution({ metadata: { a: "\u0001\"\\\n".repeat(80_000) } }))],
    "numbers (task input)": [200, JSON.stringify(details({ n: Array.from({ length: 90_000 }, (_, i) => i * 1.5) }))],
    "user JSON 2000 levels deep": [200, JSON.stringify(details(deep))],
    "error body, 70 000 keys": [400, JSON.stringify({ error })],
  };
}

if (process.argv[2] === "serve") {
  // The child: GET /_set/<name> chooses the shape every other request is answered with.
  const { createServer } = await import("node:http");
  const all = shapes();
  let current = [404, "{}"];
  const server = createServer((req, res) => {
    req.resume();
    if (req.url.startsWith("/_set/")) {
      current = all[decodeURIComponent(req.url.slice("/_set/".length))] ?? [404, "{}"];
      res.end("ok");
      return;
    }
    const [status, text] = current;
    const body = Buffer.from(text);
    res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  server.listen(0, "127.0.0.1", () => process.send(server.address().port));
} else {
  const lib = await import(pathToFileURL(join(ROOT, "pkg", "node.js")).href);
  const child = fork(fileURLToPath(import.meta.url), ["serve"], { stdio: "inherit" });
  const port = await new Promise((resolve) => child.once("message", resolve));
  const all = shapes();
  const rows = [];
  for (const [name, [status, text]] of Object.entries(all)) {
    // getExecution's answer is the details shape; the others ride on cancelExecution's path (an execution answer).
    const details = name.includes("task input") || name.includes("deep");
    await fetch(`http://127.0.0.1:${port}/_set/${encodeURIComponent(name)}`).then((r) => r.text());
    const call = () =>
      (details ? lib.getExecution : lib.cancelExecution)({
        project: "bench",
        baseUrl: `http://127.0.0.1:${port}`,
        token: "t",
        executionId: ID,
        maxRetries: 0,
      }).catch((e) => e);
    await call(); // warm-up
    const runs = 5;
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) await call();
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000 / runs;
    const p0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) JSON.parse(text);
    const p = process.cpuUsage(p0);
    const parseMs = (p.user + p.system) / 1000 / runs;
    rows.push({ name, kb: text.length / 1024, status, ms, parseMs });
  }
  child.kill();
  console.log("answer shape                      size      client CPU/call  per 100 KB   JSON.parse alone");
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(32)} ${`${r.kb.toFixed(0)} KB`.padStart(8)} ${`${r.ms.toFixed(1)} ms`.padStart(14)} ${`${((r.ms * 100) / r.kb).toFixed(1)} ms`.padStart(12)} ${`${r.parseMs.toFixed(1)} ms`.padStart(14)}`,
    );
  }
}
