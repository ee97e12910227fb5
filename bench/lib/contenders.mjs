// The three contenders of `npm run bench`, each loaded the way a Node user loads it,
// behind one interface: `call({ baseUrl, project, nonce })` retries the seeded FAILED
// execution with a given nonce, so every call is exactly one HTTP request.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const ROOT = new URL("../..", import.meta.url).pathname;
/** The built package to measure: pkg/, or a copy (run.mjs copies it so a concurrent rebuild cannot interfere). */
export const PKG_DIR = process.env.BENCH_PKG_DIR ?? join(ROOT, "pkg");
export const CONTENDERS = ["package", "floor", "sdk"];
export const LABEL = { package: "cdf-workflow-retry", floor: "hand-written floor", sdk: "@cognite/sdk" };
export const FAILED = "11111111-1111-4111-8111-111111111111";
export const TOKEN = "test-token-bench";
/** The body a stub fetch answers for a successful retry (child.mjs, phases.mjs, alternate.mjs). */
export const ANSWER = JSON.stringify({
  id: FAILED,
  workflowExternalId: "nightly-ingest",
  version: "v3",
  status: "RUNNING",
  engineExecutionId: "9b2f4c1e-3a7d-4e8b-9c10-5d6e7f8a9b01",
  createdTime: 1773108000000,
  startTime: 1773108001000,
  metadata: { team: "data", trigger: "schedule" },
});
/** The mock accepts only this package's x-cdp-sdk header; the sdk is given it too. */
export const SDK_HEADER = "cdf-workflow-retry:0.1.0";

/** Loads a contender (the import is part of what cold start measures). */
export async function load(name) {
  if (name === "package") {
    const m = await import(pathToFileURL(join(PKG_DIR, "node.js")).href);
    return {
      call: ({ baseUrl, project, nonce }) =>
        m.retryExecution({ project, baseUrl, token: TOKEN, executionId: FAILED, nonce }),
    };
  }
  if (name === "floor") {
    const m = await import(pathToFileURL(join(ROOT, "bench", "floor", "index.js")).href);
    return {
      call: ({ baseUrl, project, nonce }) =>
        m.retryExecution({ project, baseUrl, token: TOKEN, executionId: FAILED, nonce }),
    };
  }
  if (name === "sdk") {
    const { CogniteClient } = await import("@cognite/sdk");
    const clients = new Map();
    const clientFor = async (baseUrl) => {
      let client = clients.get(baseUrl);
      if (!client) {
        client = new CogniteClient({
          appId: "bench",
          project: "bench",
          baseUrl,
          oidcTokenProvider: async () => TOKEN,
        });
        await client.authenticate(); // sets the Authorization header once, as the sdk's docs do
        clients.set(baseUrl, client);
      }
      return client;
    };
    return {
      call: async ({ baseUrl, project, nonce }) => {
        const client = await clientFor(baseUrl);
        const res = await client.post(`/api/v1/projects/${project}/workflows/executions/${FAILED}/retry`, {
          data: { authentication: { nonce } },
          headers: { "x-cdp-sdk": SDK_HEADER },
        });
        return res.data;
      },
    };
  }
  throw new Error(`unknown contender ${name}`);
}
