// `npm start`: the demo page (www/) and the mock CDF server on one origin.
//
//   node scripts/start.mjs [--no-build]      PORT=8080 by default, host 127.0.0.1
//
// Builds pkg/ first when it is missing or older than src/, Cargo.toml, Cargo.lock or the build
// scripts (scripts/build.mjs, entries.mjs, types.mjs); --no-build skips that check. Ctrl-C or
// SIGTERM stops it (exit 0).
//
// Library use (the e2e tests): `const demo = await startDemo({ port: 0 }); … await demo.close();`
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startMockServer } from "../tests/mock/server.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const WWW_DIR = join(ROOT, "www");
export const PKG_DIR = join(ROOT, "pkg");
export const DEMO_TOKEN = "demo-token";

/** The files the page needs from pkg/. */
const PKG_FILES = ["browser.js", "lazy.js", "errors.js", "copy.js", "cdf_workflow_retry.js", "cdf_workflow_retry_bg.wasm"];
/** What pkg/ is built from. */
const SOURCES = ["src", "Cargo.toml", "Cargo.lock", "scripts/build.mjs", "scripts/entries.mjs", "scripts/types.mjs"];

/** Newest modification time under `path` (a file or a directory), with the file. */
function newest(path) {
  let best = { mtimeMs: 0, file: null };
  let info;
  try {
    info = statSync(path);
  } catch {
    return best;
  }
  if (info.isDirectory()) {
    for (const name of readdirSync(path)) {
      const candidate = newest(join(path, name));
      if (candidate.mtimeMs > best.mtimeMs) best = candidate;
    }
  } else {
    best = { mtimeMs: info.mtimeMs, file: path };
  }
  return best;
}

/** Why pkg/ must be (re)built, or null when it is up to date. */
export function buildReason(root = ROOT) {
  const pkg = join(root, "pkg");
  const missing = PKG_FILES.find((f) => !existsSync(join(pkg, f)));
  if (missing) return `pkg/${missing} is missing`;
  const built = Math.min(...PKG_FILES.map((f) => statSync(join(pkg, f)).mtimeMs));
  for (const source of SOURCES) {
    const { mtimeMs, file } = newest(join(root, source));
    if (mtimeMs > built) return `${relative(root, file)} changed since the last build`;
  }
  return null;
}

/** Fails with a clear message when pkg/ lacks what the page loads (the tests never build). */
export function assertPackageBuilt(pkgDir = PKG_DIR) {
  const missing = PKG_FILES.filter((f) => !existsSync(join(pkgDir, f)));
  if (missing.length) {
    throw new Error(
      `${relative(ROOT, pkgDir) || pkgDir}/ is not built (missing ${missing.join(", ")}): run \`node scripts/build.mjs\` (or \`npm run build\`) first.`,
    );
  }
}

/**
 * Start the demo: the mock CDF server, also serving www/ at / and pkg/ at /pkg/.
 * @param {{port?: number, host?: string, quiet?: boolean, pkgDir?: string, mock?: object}} [opts]
 *   port 0 picks a free port; the returned url and port are the real ones. `mock`: more options of
 *   the mock server (tests/mock/README.md), e.g. `{ retryOutcomeDelayMs: 300, seedTime: 0 }`;
 *   `npm start` keeps its defaults (a retried execution ends after 5 s).
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, control: Function}>}
 *   `control(method, path, body?)`: the mock's control API, in process.
 */
export async function startDemo({ port = 8080, host = "127.0.0.1", quiet = true, pkgDir = PKG_DIR, mock: mockOptions = {} } = {}) {
  assertPackageBuilt(pkgDir);
  const mock = await startMockServer({ ...mockOptions, port, host, quiet, static: { "/": WWW_DIR, "/pkg/": pkgDir } });
  return { url: `${mock.url}/`, port: mock.port, close: () => mock.close(), control: (...args) => mock.control(...args) };
}

function parsePort(text) {
  if (text === undefined || text === "") return 8080;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

async function main() {
  const say = (line) => process.stderr.write(`start: ${line}\n`);
  let port;
  try {
    port = parsePort(process.env.PORT);
  } catch (err) {
    say(err.message);
    process.exit(1);
  }

  if (!process.argv.includes("--no-build")) {
    const reason = buildReason();
    if (reason) {
      say(`building the package (${reason}), about 20 s…`);
      const built = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
      if (built.status !== 0) {
        say("the build failed (see above); nothing was started.");
        process.exit(1);
      }
    }
  }

  let demo;
  try {
    demo = await startDemo({ port, quiet: process.env.DEMO_VERBOSE !== "1" });
  } catch (err) {
    if (err.code === "EADDRINUSE") {
      say(`port ${port} on 127.0.0.1 is already in use (another \`npm start\`?).`);
      say(`Stop that program, or pick another port: PORT=${port === 65535 ? 8081 : port + 1} npm start`);
    } else if (err.code === "EACCES") {
      say(`not allowed to listen on port ${port}: pick a port above 1023, e.g. PORT=8080 npm start`);
    } else {
      say(err.message);
    }
    process.exit(1);
  }

  process.stdout.write(
    [
      "",
      `  Demo page:   ${demo.url}`,
      `  Mock CDF:    base URL ${demo.url.replace(/\/$/, "")}, any project name (e.g. demo-project)`,
      `  Demo token:  ${DEMO_TOKEN}`,
      "",
      "  Ctrl-C to stop",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping…`);
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** True when node was asked to run this file (not when it is imported). */
function isRunDirectly() {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isRunDirectly()) {
  main().catch((err) => {
    process.stderr.write(`start: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
