// What a Vite app downloads from the package: one-line consumers of the built pkg/ (Vite 8,
// production build, no config), each file of dist/assets measured raw, gzip (level 9) and brotli
// (quality 11), split into what the page loads at start and what the first call loads.
//
//   node bench/bundle-sizes.mjs        (needs a built pkg/: node scripts/build.mjs)
//
// The README's "Bundle size in a Vite app" table comes from this script.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONSUMERS = {
  retryExecution: `import { retryExecution } from "cdf-workflow-retry";\nglobalThis.retryExecution = retryExecution;\n`,
  isCdfError: `import { isCdfError } from "cdf-workflow-retry";\nglobalThis.isCdfError = isCdfError;\n`,
};

const measure = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const ZERO = { raw: 0, gzip: 0, brotli: 0 };
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const { build, version } = await import("vite");
const base = mkdtempSync(join(tmpdir(), "cdf-bundle-sizes-"));
try {
  mkdirSync(join(base, "node_modules"));
  symlinkSync(join(ROOT, "pkg"), join(base, "node_modules", "cdf-workflow-retry"), "dir");
  const rows = [];
  for (const [name, code] of Object.entries(CONSUMERS)) {
    const dir = join(base, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "main.js"), code);
    writeFileSync(join(dir, "index.html"), `<!doctype html><script type="module" src="./main.js"></script>\n`);
    await build({
      root: dir,
      configFile: false,
      logLevel: "error",
      build: { outDir: join(dir, "dist"), emptyOutDir: true, modulePreload: { polyfill: false }, reportCompressedSize: false },
    });
    const assets = join(dir, "dist", "assets");
    const html = readFileSync(join(dir, "dist", "index.html"), "utf8");
    let atStart = ZERO;
    let firstCall = ZERO;
    const files = [];
    for (const file of readdirSync(assets).filter((f) => /\.(js|wasm)$/.test(f))) {
      const size = measure(readFileSync(join(assets, file)));
      // The entry chunk is what index.html loads; the glue chunk and the .wasm come with the first
      // call, but only if a chunk refers to them (Vite may emit a .wasm nothing refers to).
      const referenced = readdirSync(assets).some((f) => f.endsWith(".js") && readFileSync(join(assets, f), "utf8").includes(file));
      if (html.includes(file)) atStart = add(atStart, size);
      else if (referenced) firstCall = add(firstCall, size);
      files.push(`${file} ${size.raw} B${html.includes(file) || referenced ? "" : " (emitted, never loaded)"}`);
    }
    rows.push({ name, atStart, firstCall, total: add(atStart, firstCall), files });
  }
  console.log(`Vite ${version}, production build, no config; KB are 1024 bytes\n`);
  console.log("| import | loaded at start (gzip) | loaded by the first call (gzip) | total raw / gzip / brotli |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(`| \`${r.name}\` | ${kb(r.atStart.gzip)} | ${r.firstCall.raw ? kb(r.firstCall.gzip) : "nothing"} | ${kb(r.total.raw)} / ${kb(r.total.gzip)} / ${kb(r.total.brotli)} |`);
  }
  for (const r of rows) console.log(`\n${r.name}: ${r.files.join(", ")}`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
