// TypeScript: the package's declarations, as a consumer sees them after `npm install`, checked
// with tsc --strict (no skipLibCheck) under "bundler" and "nodenext" module resolution.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, bin, createConsumer, cleanup, run } from "./helpers.mjs";

let dir;
before(async () => {
  dir = await createConsumer("types", { "consumer.ts": { from: join(FIXTURES, "types", "consumer.ts") } });
});
after(cleanup);

const base = { strict: true, noEmit: true, target: "es2022", lib: ["es2022", "dom"], types: [], noUnusedLocals: false, exactOptionalPropertyTypes: true };

for (const [name, extra] of [
  ["bundler", { module: "esnext", moduleResolution: "bundler" }],
  ["nodenext", { module: "nodenext", moduleResolution: "nodenext" }],
]) {
  test(`types: tsc --strict with moduleResolution ${name}`, async () => {
    const config = `tsconfig.${name}.json`;
    writeFileSync(join(dir, config), JSON.stringify({ compilerOptions: { ...base, ...extra }, files: ["consumer.ts"] }, null, 2));
    const r = await run(bin("tsc"), ["-p", config, "--pretty", "false", "--listFiles"], { cwd: dir });
    assert.equal(r.code, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    // The types came from the package's declarations (through the exports map's "types").
    assert.match(r.stdout, /node_modules\/cdf-workflow-retry\/index\.d\.ts$/m);
    assert.match(r.stdout, /node_modules\/cdf-workflow-retry\/mock\/index\.d\.ts$/m, "and the mock's, through its subpath");
  });
}
