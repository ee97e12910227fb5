// `node --import ./bench/lib/stub-hooks.mjs`: resolves `cross-fetch` to fetch-shim.mjs,
// so @cognite/sdk uses globalThis.fetch (which the bench replaces with a stub).
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`
const shim = ${JSON.stringify(new URL("./fetch-shim.mjs", import.meta.url).href)};
export async function resolve(specifier, context, next) {
  if (specifier === "cross-fetch") return { url: shim, shortCircuit: true };
  return next(specifier, context);
}`),
);
