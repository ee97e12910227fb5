// `npm test`: every check and suite, in order, failing on the first failure.
// Each suite must report a non-zero number of tests run (a silently skipped
// browser suite fails the run). Ends with one line: "N passed, N failed".
import { spawn } from "node:child_process";
import { dirname, join, delimiter } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../tests/mock/server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = {
  ...process.env,
  PATH: [join(root, "node_modules", ".bin"), join(process.env.HOME ?? "", ".cargo", "bin"), process.env.PATH].join(delimiter),
  CARGO_TERM_COLOR: "never",
};
const only = process.argv.slice(2); // optional: names of steps to run
let passed = 0;
const started = Date.now();

/** Runs a command, echoing its output; resolves to the output text. */
function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const tee = (stream) => (chunk) => {
      out += chunk;
      stream.write(chunk);
    };
    child.stdout.on("data", tee(process.stdout));
    child.stderr.on("data", tee(process.stderr));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

/** Sum of "N passed" in cargo / wasm-bindgen-test result lines. */
function cargoCount(out) {
  let n = 0;
  for (const m of out.matchAll(/test result: ok\. (\d+) passed; 0 failed/g)) n += Number(m[1]);
  return n;
}

/** "# pass N" of node --test, after checking nothing failed. */
function nodeCount(out) {
  const pass = Number(out.match(/^# pass (\d+)$/m)?.[1] ?? 0);
  const fail = Number(out.match(/^# fail (\d+)$/m)?.[1] ?? 1);
  if (fail !== 0) throw new Error(`${fail} node tests failed`);
  return pass;
}

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

step("fmt", async () => {
  await run("cargo", ["fmt", "--check"]);
  return 0;
});
step("clippy", async () => {
  await run("cargo", ["clippy", "--all-targets", "--", "-D", "warnings"]);
  await run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--all-targets", "--", "-D", "warnings"]);
  return 0;
});
step("native", async () => cargoCount(await run("cargo", ["test"])));
step("mock", async () => nodeCount(await run("node", ["--test", "tests/mock/"])));
step("examples", async () => nodeCount(await run("node", ["--test", "examples/auto-retry-worker/test/"])));
for (const [name, args] of [
  ["wasm-node", ["test", "--node"]],
  ["wasm-chrome", ["test", "--headless", "--chrome", "--", "--features", "browser-tests"]],
]) {
  step(name, async () => {
    const mock = await startMockServer({ quiet: true, keepAlive: false });
    try {
      const out = await run("wasm-pack", args, { MOCK_URL: mock.url });
      if (/skipping|no tests to run/i.test(out) && !/test result: ok\. [1-9]/.test(out)) {
        throw new Error(`${name}: the suite was skipped`);
      }
      const n = cargoCount(out);
      const suites = out.match(/test result: ok\. [1-9]\d* passed/g)?.length ?? 0;
      if (suites < 6) throw new Error(`${name}: expected 6 wasm test binaries to run tests, saw ${suites}`);
      return n;
    } finally {
      await mock.close();
    }
  });
}
step("build", async () => {
  await run("node", ["scripts/build.mjs"]);
  return 0;
});
step("node", async () => nodeCount(await run("node", ["--test", "--test-concurrency=1", "tests/node/"])));
step("consumers", async () => nodeCount(await run("node", ["--test", "--test-concurrency=1", "tests/consumers/"])));
step("e2e", async () => nodeCount(await run("node", ["--test", "--test-concurrency=1", "tests/e2e/"])));

for (const { name, fn } of steps) {
  if (only.length && !only.includes(name)) continue;
  const t = Date.now();
  console.error(`\n=== ${name}`);
  try {
    const n = await fn();
    passed += n;
    console.error(`=== ${name}: ok${n ? `, ${n} tests` : ""} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.error(`=== ${name}: FAILED: ${e.message}`);
    console.log(`${passed} passed, 1 failed`);
    process.exit(1);
  }
}
console.error(`\nall steps ok in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, 0 failed`);
