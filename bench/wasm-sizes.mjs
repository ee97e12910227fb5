// Where the wasm's bytes go, without extra tools: lists a module's sections and
// its largest functions by body size, by name. Make a copy of the release module
// with names kept first (after `node scripts/build.mjs`):
//   wasm-bindgen --target web --out-dir target/sizes --out-name named \
//     target/nightly/wasm32-unknown-unknown/release/cdf_workflow_retry.wasm
//   node_modules/.bin/wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int \
//     --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
//     target/sizes/named_bg.wasm -o target/sizes/named.wasm
//   node bench/wasm-sizes.mjs [target/sizes/named.wasm] [N]
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "target/sizes/named.wasm";
const top = Number(process.argv[3] ?? 40);
const bytes = readFileSync(file);
let pos = 8;
const u32 = () => {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return result >>> 0;
};
const sections = [];
let importedFuncs = 0;
const bodies = [];
const names = new Map();
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = u32();
  const start = pos;
  if (id === 2) {
    const n = u32();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 2; k++) { const l = u32(); pos += l; }
      const kind = bytes[pos++];
      if (kind === 0) { u32(); importedFuncs++; }
      else if (kind === 1) { pos++; const f = u32(); u32(); if (f & 1) u32(); }
      else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); }
      else if (kind === 3) { pos += 2; }
      else if (kind === 4) { pos++; u32(); }
    }
  } else if (id === 10) {
    const n = u32();
    for (let i = 0; i < n; i++) { const l = u32(); bodies.push(l); pos += l; }
  } else if (id === 0) {
    const l = u32();
    const name = bytes.subarray(pos, pos + l).toString();
    pos += l;
    if (name === "name") {
      while (pos < start + size) {
        const sub = bytes[pos++];
        const sl = u32();
        const end = pos + sl;
        if (sub === 1) {
          const n = u32();
          for (let i = 0; i < n; i++) { const idx = u32(); const nl = u32(); names.set(idx, bytes.subarray(pos, pos + nl).toString()); pos += nl; }
        }
        pos = end;
      }
    }
  }
  sections.push({ id, size });
  pos = start + size;
}
const sectionNames = { 1: "type", 2: "import", 3: "function", 5: "memory", 7: "export", 10: "code", 11: "data", 0: "custom" };
for (const s of sections) console.log(`section ${sectionNames[s.id] ?? s.id}: ${s.size}`);
const fns = bodies.map((size, i) => ({ size, name: names.get(i + importedFuncs) ?? `f${i + importedFuncs}` }));
fns.sort((a, b) => b.size - a.size);
const total = bodies.reduce((a, b) => a + b, 0);
console.log(`code: ${fns.length} functions, ${total} bytes`);
for (const f of fns.slice(0, top)) console.log(`${String(f.size).padStart(7)}  ${f.name.slice(0, 150)}`);
