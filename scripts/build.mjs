// Builds the publishable npm package into pkg/:
//   wasm-pack (target web, release, wasm-opt from the npm `binaryen` package),
//   then one entry per runtime, so that `import { retryExecution } from "cdf-workflow-retry"`
//   works with no init() call in Node, bundlers (Vite), plain pages and Cloudflare Workers.
//
//   node scripts/build.mjs [--dev]     (--dev: debug build, faster, larger)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, delimiter, relative } from "node:path";
import { fileURLToPath } from "node:url";

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
  nightly ? { RUSTFLAGS: "-Cpanic=immediate-abort -Zunstable-options", CARGO_TERM_PROGRESS_WHEN: "never" } : {},
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
  const fetchImport = /(__wbg_fetch_[0-9a-f]+: function\(arg0\) \{\s*const ret = )fetch\(arg0\);/g;
  const found = glue.match(fetchImport)?.length ?? 0;
  if (!snippet || found !== 1) {
    throw new Error(`build: expected one gloo-net fetch import and the runtime.js snippet in the glue (found ${found} and ${snippet})`);
  }
  glue = glue.replace(fetchImport, "$1__cdfGuardedFetch(arg0);");
  const line = `import { guardedFetch as __cdfGuardedFetch } from '${snippet}';\n`;
  const first = glue.indexOf("\n") + 1;
  glue = glue.startsWith("/* @ts-self-types") ? glue.slice(0, first) + line + glue.slice(first) : line + glue;
  writeFileSync(gluePath, glue);
}

// One glue module: the runtime.js snippet inlined (one fewer module to fetch and
// link) and minified, in release builds (rolldown, a dev dependency).
if (!dev) {
  const { rolldown } = await import("rolldown");
  const gluePath = join(pkg, `${NAME}.js`);
  const bundle = await rolldown({ input: gluePath, logLevel: "silent" });
  const { output } = await bundle.generate({ format: "esm", minify: true });
  await bundle.close();
  if (output.length !== 1) throw new Error(`build: expected one bundled glue chunk, got ${output.length}`);
  writeFileSync(gluePath, output[0].code);
  rmSync(join(pkg, "snippets"), { recursive: true, force: true });
}

const reexport = `export { retryExecution, isCdfError } from "./${NAME}.js";\n`;

// Node 20+: compile the wasm from disk, synchronously, at import.
writeFileSync(
  join(pkg, "node.js"),
  `// Node entry: instantiates the module at import; no init() needed.
import { readFileSync } from "node:fs";
import { initSync } from "./${NAME}.js";
initSync({ module: readFileSync(new URL("./${NAME}_bg.wasm", import.meta.url)) });
${reexport}`,
);

// Cloudflare Workers (workerd): the runtime hands over the compiled module.
writeFileSync(
  join(pkg, "workerd.js"),
  `// Cloudflare Workers entry: wrangler/workerd import the .wasm as a compiled module.
import wasm from "./${NAME}_bg.wasm";
import { initSync } from "./${NAME}.js";
initSync({ module: wasm });
${reexport}`,
);

// Browsers and bundlers: fetch and instantiate at import (top-level await).
// Bundlers such as Vite see the literal `new URL("…wasm", import.meta.url)` and ship the file.
writeFileSync(
  join(pkg, "browser.js"),
  `// Browser and bundler entry: loads the .wasm next to this file at import; no init() needed.
import init from "./${NAME}.js";
await init({ module_or_path: new URL("./${NAME}_bg.wasm", import.meta.url) });
${reexport}`,
);

// Types: the generated declarations minus the init functions (whose types need the DOM lib),
// so the package type-checks in Node and Worker projects too.
const generated = readFileSync(join(pkg, `${NAME}.d.ts`), "utf8");
const cut = generated.indexOf("export type InitInput");
if (cut < 0) throw new Error("build: unexpected wasm-bindgen .d.ts layout (no InitInput)");
writeFileSync(join(pkg, "index.d.ts"), generated.slice(0, cut).trimEnd() + "\n");

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
    "./package.json": "./package.json",
  },
  files: [
    `${NAME}_bg.wasm`,
    `${NAME}.js`,
    `${NAME}.d.ts`,
    ...(dev ? ["snippets/"] : []),
    `${NAME}_bg.wasm.d.ts`,
    "node.js",
    "workerd.js",
    "browser.js",
    "index.d.ts",
    "README.md",
    "LICENSE",
  ],
  sideEffects: ["./node.js", "./workerd.js", "./browser.js"],
  engines: { node: ">=20" },
};

if (existsSync(join(root, "bin", "cli.mjs"))) {
  copyFileSync(join(root, "bin", "cli.mjs"), join(pkg, "cli.js"));
  manifest.bin = { "cdf-workflow-retry": "./cli.js" };
  manifest.files.push("cli.js");
}
rmSync(join(pkg, ".gitignore"), { force: true });
copyFileSync(join(root, "README.md"), join(pkg, "README.md"));
copyFileSync(join(root, "LICENSE"), join(pkg, "LICENSE"));
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

const wasmBytes = readFileSync(join(pkg, `${NAME}_bg.wasm`)).length;
console.error(`build: pkg/ ready (cdf-workflow-retry@${version}, ${NAME}_bg.wasm ${wasmBytes} bytes)`);
