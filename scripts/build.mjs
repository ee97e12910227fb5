// Builds the publishable npm package into pkg/:
//   cargo (wasm32, release) → wasm-bindgen --target web → wasm-opt (from the npm `binaryen`
//   package; its output cached under target/wasm-opt-cache/) → the glue patched (guarded fetch,
//   errors.js as a module of its own) and bundled with runtime.js (rolldown) → one entry per
//   runtime (scripts/entries.mjs), so that `import { retryExecution } from "cdf-workflow-retry"`
//   works with no init() call in Node, bundlers (Vite), plain pages and Cloudflare Workers, and
//   loads the .wasm on the first call → index.d.ts (src/js/types.d.ts merged with the generated
//   declarations, scripts/types.mjs) → the Node-only mock (cdf-workflow-retry/mock).
//
//   node scripts/build.mjs [--dev]     (--dev: debug build, faster, larger)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, delimiter, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { FROM_ERRORS, browserEntry, lazyEntry, mockUnsupported, nodeEntry, workerdEntry } from "./entries.mjs";
import { mockPackageFiles } from "../tests/mock/package-files.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const NAME = "cdf_workflow_retry";
const dev = process.argv.includes("--dev");

const cargoToml = readFileSync(join(root, "Cargo.toml"), "utf8");
const field = (key) => cargoToml.match(new RegExp(`^${key} = "([^"]*)"`, "m"))?.[1];
const version = field("version");

const env = {
  ...process.env,
  PATH: [join(root, "node_modules", ".bin"), join(process.env.HOME ?? "", ".cargo", "bin"), process.env.PATH].join(delimiter),
};
const sh = (cmd, args, extraEnv = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...env, ...extraEnv } });

// The release build uses the pinned nightly when `scripts/setup.sh` installed it: the
// standard library rebuilt for size (build-std, optimize_for_size, panic=immediate-abort).
// CDF_BUILD_STABLE=1, or a machine without that toolchain, builds on stable (larger).
const NIGHTLY = "nightly-2026-05-20";
const hasNightly = () => {
  try {
    return execFileSync("rustup", ["toolchain", "list"], { env, encoding: "utf8" }).includes(NIGHTLY);
  } catch {
    return false;
  }
};
const nightly = !dev && process.env.CDF_BUILD_STABLE !== "1" && hasNightly();
const profile = dev ? "debug" : "release";
const targetDir = nightly ? join(root, "target", "nightly") : join(root, "target");
console.error(`build: cargo (${profile}${nightly ? `, ${NIGHTLY} with build-std` : ", stable"}) → wasm-bindgen → wasm-opt → pkg/`);
rmSync(pkg, { recursive: true, force: true });
sh(
  "cargo",
  [
    ...(nightly ? [`+${NIGHTLY}`] : []),
    "build",
    "--lib",
    "--target",
    "wasm32-unknown-unknown",
    "--target-dir",
    targetDir,
    ...(dev ? [] : ["--release"]),
    ...(nightly ? ["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"] : []),
  ],
  nightly ? { RUSTFLAGS: `-Cpanic=immediate-abort -Zunstable-options ${process.env.CDF_EXTRA_RUSTFLAGS ?? ""}`.trim(), CARGO_TERM_PROGRESS_WHEN: "never" } : {},
);
const built = join(targetDir, "wasm32-unknown-unknown", profile, `${NAME}.wasm`);
sh("wasm-bindgen", ["--target", "web", "--out-dir", pkg, "--out-name", NAME, ...(dev ? ["--debug"] : []), built]);
if (!dev) {
  // The flags of [package.metadata.wasm-pack.profile.release] in Cargo.toml (also used by bench/twiggy.sh).
  const section = cargoToml.slice(cargoToml.indexOf("[package.metadata.wasm-pack.profile.release]"));
  const flags = [...(section.match(/^wasm-opt = \[([^\]]*)\]/m)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  if (flags.length === 0) throw new Error("build: no wasm-opt flags in Cargo.toml");
  const wasmFile = join(pkg, `${NAME}_bg.wasm`);
  // wasm-opt is deterministic and the slowest step (about 35 s): its output is kept, keyed by
  // its input, its flags and the binaryen version, so a build whose wasm did not change skips it.
  const binaryen = JSON.parse(readFileSync(join(root, "node_modules", "binaryen", "package.json"), "utf8")).version;
  const key = createHash("sha256").update(readFileSync(wasmFile)).update(JSON.stringify([flags, binaryen])).digest("hex");
  const cacheDir = join(root, "target", "wasm-opt-cache");
  const cached = join(cacheDir, `${key}.wasm`);
  if (existsSync(cached)) {
    console.error(`build: wasm-opt output unchanged (cached ${relative(root, cached)})`);
  } else {
    sh("wasm-opt", [...flags, wasmFile, "-o", `${wasmFile}.opt`]);
    mkdirSync(cacheDir, { recursive: true });
    copyFileSync(`${wasmFile}.opt`, cached);
    rmSync(`${wasmFile}.opt`);
  }
  copyFileSync(cached, wasmFile);
}

// gloo-net sends every request through the global `fetch`, and traps (a wasm
// panic) when that promise rejects with something that is not an Error or
// resolves with something that is not a Response, as a patched or test-double
// `globalThis.fetch` may. Bind gloo-net's fetch import to runtime.js's
// `guardedFetch`, which settles only with a real Response or an Error and keeps
// what the runtime threw (for `cause`). Exactly one import must match.
{
  const gluePath = join(pkg, `${NAME}.js`);
  let glue = readFileSync(gluePath, "utf8");
  const snippet = glue.match(/from '(\.\/snippets\/[^']+\/src\/js\/runtime\.js)';/)?.[1];
  // Release glue: `__wbg_fetch_…: function(arg0) { const ret = fetch(arg0);`; --dev (--debug)
  // glue wraps the body: `__wbg_fetch_…: function() { return logError(function (arg0) { const ret = …`.
  const fetchImport = /(__wbg_fetch_[0-9a-f]+: function\((?:arg0)?\) \{(?: return logError\(function \(arg0\) \{)?\s*const ret = )fetch\(arg0\);/g;
  const found = glue.match(fetchImport)?.length ?? 0;
  if (!snippet || found !== 1) {
    throw new Error(`build: expected one gloo-net fetch import and the runtime.js snippet in the glue (found ${found} and ${snippet})`);
  }
  glue = glue.replace(fetchImport, "$1__cdfGuardedFetch(arg0);");
  // With gloo-net's fetch bound to guardedFetch, makeRequest leaves the body and the call's
  // signal off the Request and guardedFetch hands them to fetch in its init
  // (see BODY_AND_SIGNAL_IN_INIT in runtime.js).
  const runtimePath = join(pkg, snippet);
  const runtime = readFileSync(runtimePath, "utf8");
  const flag = "const BODY_AND_SIGNAL_IN_INIT = false;";
  if (runtime.split(flag).length !== 2) throw new Error(`build: expected one "${flag}" in ${snippet}`);
  writeFileSync(runtimePath, runtime.replace(flag, "const BODY_AND_SIGNAL_IN_INIT = true;"));
  const line = `import { guardedFetch as __cdfGuardedFetch } from '${snippet}';\n`;
  const first = glue.indexOf("\n") + 1;
  glue = glue.startsWith("/* @ts-self-types") ? glue.slice(0, first) + line + glue.slice(first) : line + glue;
  writeFileSync(gluePath, glue);
}

// errors.js (the CdfError class and isCdfError) becomes a module of its own, pkg/errors.js,
// which the glue and every entry import: one class, so `instanceof CdfError` holds for the
// errors the wasm makes, and `import { isCdfError }` never loads the wasm.
const gluePath = join(pkg, `${NAME}.js`);
{
  let glue = readFileSync(gluePath, "utf8");
  const paths = new Set([...glue.matchAll(/from ['"](\.\/snippets\/[^'"]+\/src\/js\/errors\.js)['"]/g)].map((m) => m[1]));
  if (paths.size !== 1) throw new Error(`build: expected the glue to import one errors.js snippet, found ${[...paths].join(", ") || "none"}`);
  const [snippet] = paths;
  copyFileSync(join(pkg, snippet), join(pkg, "errors.js"));
  rmSync(join(pkg, snippet));
  // Only the import statements: the wasm's import object keeps the snippet path as its key.
  glue = glue.replaceAll(`from '${snippet}'`, "from './errors.js'").replaceAll(`from "${snippet}"`, 'from "./errors.js"');
  writeFileSync(gluePath, glue);
}

// copy.js (copyOptions: every call's options copied at the call, before the module loads) is a
// module of its own that every entry imports; the wasm never imports it.
{
  let copy = readFileSync(join(root, "src", "js", "copy.js"), "utf8");
  if (!dev) {
    const { minifySync } = await import("rolldown/utils");
    const { code, errors } = minifySync("copy.js", copy, { compress: true, mangle: true });
    if (errors.length) throw new Error(`build: minifying copy.js: ${errors.map((e) => e.message).join("; ")}`);
    copy = `// cdf-workflow-retry: options copied at the call (src/js/copy.js, minified).\n${code}`;
  }
  writeFileSync(join(pkg, "copy.js"), copy);
}

// The functions the glue exports (wasm-bindgen writes `export function name(params) {`): each
// becomes a lazy wrapper in the entries, so a new Rust export needs no change here.
const glueFunctions = [];
{
  const glue = readFileSync(gluePath, "utf8");
  for (const m of glue.matchAll(/^export function (\w+)\(([^)]*)\)/gm)) glueFunctions.push({ name: m[1], params: m[2].trim() });
  const others = [...glue.matchAll(/^export (?!function )(?:\{([^}]*)\}|(?:const|let|var|class) (\w+))/gm)]
    .flatMap((m) => (m[1] ? m[1].split(",").map((x) => x.trim().split(/\s+as\s+/).pop()) : [m[2]]))
    .filter((n) => !["initSync", "default", "__wasm"].includes(n)); // __wasm: the instance's exports, in --dev builds
  if (others.length) throw new Error(`build: the glue exports ${others.join(", ")}, which the lazy entries cannot wrap (only functions)`);
  if (!glueFunctions.some((f) => f.name === "retryExecution")) throw new Error("build: the glue exports no retryExecution");
}

// One glue module: the runtime.js snippet inlined (one fewer module to fetch and link) and
// minified, in release builds (rolldown, a dev dependency). errors.js stays outside it.
if (!dev) {
  const { rolldown } = await import("rolldown");
  const bundle = await rolldown({ input: gluePath, logLevel: "silent", external: (id) => id === "./errors.js" });
  const { output } = await bundle.generate({ format: "esm", minify: true });
  await bundle.close();
  if (output.length !== 1) throw new Error(`build: expected one bundled glue chunk, got ${output.length}`);
  if (!/from\s*["']\.\/errors\.js["']/.test(output[0].code)) throw new Error("build: the bundled glue does not import ./errors.js");
  writeFileSync(gluePath, output[0].code);
  rmSync(join(pkg, "snippets"), { recursive: true, force: true });
}

// The entries (scripts/entries.mjs): none loads the .wasm at import.
const files = { glue: `${NAME}.js`, wasm: `${NAME}_bg.wasm` };
{
  // lazy.js is what a plain page loads before the first call: minified in release builds.
  let lazy = lazyEntry(glueFunctions, files);
  if (!dev) {
    const { minifySync } = await import("rolldown/utils");
    const { code, errors } = minifySync("lazy.js", lazy, { compress: true, mangle: true });
    if (errors.length) throw new Error(`build: minifying lazy.js: ${errors.map((e) => e.message).join("; ")}`);
    lazy = `// cdf-workflow-retry: the functions, loading the .wasm on the first call (scripts/entries.mjs, minified).\n${code}`;
  }
  writeFileSync(join(pkg, "lazy.js"), lazy);
}
writeFileSync(join(pkg, "browser.js"), browserEntry(glueFunctions));
writeFileSync(join(pkg, "node.js"), nodeEntry(glueFunctions, files));
writeFileSync(join(pkg, "workerd.js"), workerdEntry(glueFunctions, files));
const exported = new Set([...glueFunctions.map((f) => f.name), ...FROM_ERRORS]);

// Types: src/js/types.d.ts (hand-written: the class, the error union, the option types) merged
// with wasm-bindgen's declarations minus the init functions (whose types need the DOM lib, so the
// package type-checks in Node and Worker projects too). See scripts/types.mjs.
{
  const { mergeTypes } = await import("./types.mjs");
  const generated = readFileSync(join(pkg, `${NAME}.d.ts`), "utf8");
  const cut = generated.indexOf("export type InitInput");
  if (cut < 0) throw new Error("build: unexpected wasm-bindgen .d.ts layout (no InitInput)");
  const hand = readFileSync(join(root, "src", "js", "types.d.ts"), "utf8");
  const { text, replaced, omitted } = mergeTypes(hand, generated.slice(0, cut), exported);
  writeFileSync(join(pkg, "index.d.ts"), text);
  if (replaced.length) console.error(`build: index.d.ts: src/js/types.d.ts replaces the generated ${replaced.join(", ")}`);
  if (omitted.length) console.error(`build: index.d.ts: not exported by this build, so not declared: ${omitted.join(", ")}`);
}

// cdf-workflow-retry/mock: the mock CDF server for users' tests (Node only), copied with every
// local module it imports (tests/mock/package-files.mjs, whose list tests/mock/index.test.mjs
// checks); browsers, bundlers and Workers resolve the subpath to a file that throws.
const mockFiles = [];
{
  const from = join(root, "tests", "mock");
  mkdirSync(join(pkg, "mock"), { recursive: true });
  for (const file of mockPackageFiles(from)) {
    mkdirSync(dirname(join(pkg, "mock", file)), { recursive: true });
    copyFileSync(join(from, file), join(pkg, "mock", file));
    mockFiles.push(`mock/${file}`);
  }
  const index = readFileSync(join(from, "index.mjs"), "utf8");
  const exportNames = [
    ...[...index.matchAll(/^export (?:async )?(?:function\*? |const |let |class )(\w+)/gm)].map((m) => m[1]),
    ...[...index.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1].split(",").map((x) => x.trim().split(/\s+as\s+/).pop())),
  ].filter(Boolean);
  if (!exportNames.includes("startMock")) throw new Error("build: tests/mock/index.mjs exports no startMock");
  writeFileSync(join(pkg, "mock", "unsupported.js"), mockUnsupported(exportNames));
  mockFiles.push("mock/unsupported.js");
}

const manifest = {
  name: "cdf-workflow-retry",
  version,
  description: field("description"),
  license: field("license"),
  repository: { type: "git", url: `git+${field("repository")}.git` },
  keywords: ["cognite", "cdf", "workflows", "retry", "wasm", "cloudflare-workers"],
  type: "module",
  types: "./index.d.ts",
  main: "./node.js",
  module: "./browser.js",
  browser: "./browser.js",
  exports: {
    ".": {
      types: "./index.d.ts",
      workerd: "./workerd.js",
      node: "./node.js",
      browser: "./browser.js",
      import: "./browser.js",
      default: "./browser.js",
    },
    "./mock": {
      types: "./mock/index.d.ts",
      node: "./mock/index.mjs",
      default: "./mock/unsupported.js",
    },
    "./package.json": "./package.json",
  },
  files: [
    `${NAME}_bg.wasm`,
    `${NAME}.js`,
    `${NAME}.d.ts`,
    ...(dev ? ["snippets/"] : []),
    `${NAME}_bg.wasm.d.ts`,
    "errors.js",
    "copy.js",
    "lazy.js",
    "node.js",
    "workerd.js",
    "browser.js",
    "index.d.ts",
    ...mockFiles,
    "README.md",
    "LICENSE",
  ],
  // No module of the package does anything at import (the .wasm loads on the first call);
  // mock/unsupported.js throws on purpose, and must stay when imported.
  sideEffects: ["./mock/unsupported.js"],
  engines: { node: ">=20" },
};

if (existsSync(join(root, "bin", "cli.mjs"))) {
  // The command line: its entry (the `bin`) and the module with everything else.
  copyFileSync(join(root, "bin", "cli.mjs"), join(pkg, "cli.js"));
  copyFileSync(join(root, "bin", "cli-core.mjs"), join(pkg, "cli-core.js"));
  manifest.bin = { "cdf-workflow-retry": "./cli.js" };
  manifest.files.push("cli.js", "cli-core.js");
}
rmSync(join(pkg, ".gitignore"), { force: true });
copyFileSync(join(root, "README.md"), join(pkg, "README.md"));
copyFileSync(join(root, "LICENSE"), join(pkg, "LICENSE"));
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

const wasmBytes = readFileSync(join(pkg, `${NAME}_bg.wasm`)).length;
console.error(`build: pkg/ ready (cdf-workflow-retry@${version}, ${NAME}_bg.wasm ${wasmBytes} bytes)`);
