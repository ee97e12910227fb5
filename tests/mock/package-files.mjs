// Which files of tests/mock/ make up `cdf-workflow-retry/mock`: index.mjs, every local module it
// imports (followed transitively: `import … from "./x.mjs"` and `export … from "./x.mjs"`), and
// README.md and index.d.ts. scripts/build.mjs copies exactly these into pkg/mock/; index.test.mjs checks that
// they are enough (a copy of them runs on its own) and that nothing else is imported.
// Not part of the package itself.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This directory (tests/mock). */
export const MOCK_DIR = dirname(fileURLToPath(import.meta.url));

/** The module specifiers of a static `import … from` / `export … from` in `source`. */
export function staticSpecifiers(source) {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]);
}

/**
 * The files to publish, relative to `dir`: the modules reachable from index.mjs through
 * relative (`./`) specifiers, in the order they are first reached, then index.d.ts.
 */
export function mockPackageFiles(dir = MOCK_DIR) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticSpecifiers(readFileSync(join(dir, file), "utf8"))) {
      if (specifier.startsWith("./")) visit(join(dirname(file), specifier));
    }
  };
  visit("index.mjs");
  // The README documents every option, script step and control call for the package's users.
  return [...seen, "README.md", "index.d.ts"];
}
