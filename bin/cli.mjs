#!/usr/bin/env node
// cdf-workflow-retry command line: retries one CDF workflow execution and prints it as JSON.
// Installed as the package's `bin` (copied to pkg/cli.js by scripts/build.mjs), so it imports
// the Node entry that sits beside it.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { retryExecution, isCdfError } from "./node.js";

const NAME = "cdf-workflow-retry";

/** Exit code per CdfError kind. 1 is left for unexpected failures. */
const EXIT = {
  ok: 0,
  internal: 1,
  invalid_input: 2, // also: bad command line
  api: 3,
  network: 4,
  timeout: 5,
  aborted: 6,
  invalid_response: 7,
};

const HELP = `Usage: ${NAME} <executionId> --project P (--cluster C | --base-url U) [options]

Retries a failed, timed-out or terminated Cognite Data Fusion workflow execution
and prints the execution as JSON on stdout.

Options:
  --project P        CDF project (required)
  --cluster C        CDF cluster, e.g. westeurope-1 (host https://C.cognitedata.com)
  --base-url U       or a full origin, e.g. https://api.cognitedata.com
  --nonce N          an existing session nonce (default: a session is created)
  --timeout-ms T     deadline for the whole call, retries included (default 60000)
  --max-retries R    extra attempts after the first, 0 to 10 (default 3)
  --app-name A       sent as the x-cdp-app header
  -h, --help         show this help
  -v, --version      show the version

Environment:
  CDF_TOKEN          bearer token, sent with every request (required)
  CDF_CLIENT_ID      with CDF_CLIENT_SECRET: create the session with these client
  CDF_CLIENT_SECRET  credentials instead of token exchange (CDF_TOKEN is still required)

Exit codes:
  0  success
  1  unexpected internal error
  2  invalid_input: a bad option, argument or environment variable (nothing was sent)
  3  api: CDF answered with an error status
  4  network: the request failed (DNS, refused, reset)
  5  timeout: the deadline passed
  6  aborted: interrupted (Ctrl-C)
  7  invalid_response: CDF's answer was not a valid execution

On failure, one line on stderr: kind, status, request id and message.
`;

/** Where a contract field comes from on this command line, for messages. */
const SOURCE = {
  executionId: "<executionId>",
  project: "--project",
  cluster: "--cluster / --base-url",
  baseUrl: "--base-url",
  nonce: "--nonce",
  timeoutMs: "--timeout-ms",
  maxRetries: "--max-retries",
  appName: "--app-name",
  token: "CDF_TOKEN",
  clientCredentials: "CDF_CLIENT_ID / CDF_CLIENT_SECRET",
  "clientCredentials.clientId": "CDF_CLIENT_ID",
  "clientCredentials.clientSecret": "CDF_CLIENT_SECRET",
};

function oneLine(text) {
  return String(text).replace(/\s+/g, " ").trim();
}

function fail(code, line) {
  process.stderr.write(`${NAME}: ${oneLine(line)}\n`);
  process.exitCode = code;
}

function usageError(message) {
  fail(EXIT.invalid_input, `invalid_input: ${message} (see --help)`);
}

/** "123" → 123; anything else is passed on unchanged for the library to reject with its own message. */
function integer(text) {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : text;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        project: { type: "string" },
        cluster: { type: "string" },
        "base-url": { type: "string" },
        nonce: { type: "string" },
        "timeout-ms": { type: "string" },
        "max-retries": { type: "string" },
        "app-name": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (e) {
    return usageError(e.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.version) {
    const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
    process.stdout.write(`${version}\n`);
    return;
  }
  if (positionals.length !== 1) {
    return usageError(positionals.length ? "give exactly one execution id" : "the execution id is missing");
  }
  if (values.project === undefined) return usageError("--project is required");
  const env = process.env;
  if (!env.CDF_TOKEN) return usageError("set the bearer token in the environment variable CDF_TOKEN");

  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (signal) => {
    if (interrupted) process.exit(EXIT.aborted); // a second Ctrl-C: leave at once
    interrupted = true;
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const execution = await retryExecution({
      project: values.project,
      cluster: values.cluster,
      baseUrl: values["base-url"],
      token: env.CDF_TOKEN,
      executionId: positionals[0],
      nonce: values.nonce,
      clientCredentials:
        env.CDF_CLIENT_ID || env.CDF_CLIENT_SECRET
          ? { clientId: env.CDF_CLIENT_ID ?? "", clientSecret: env.CDF_CLIENT_SECRET ?? "" }
          : undefined,
      signal: controller.signal,
      timeoutMs: integer(values["timeout-ms"]),
      maxRetries: integer(values["max-retries"]),
      appName: values["app-name"],
    });
    process.stdout.write(JSON.stringify(execution, null, 2) + "\n");
  } catch (e) {
    if (!isCdfError(e)) {
      return fail(EXIT.internal, `internal: ${e?.message ?? e}`);
    }
    const parts = [e.kind];
    if (e.status !== undefined) parts.push(`status=${e.status}`);
    if (e.operation) parts.push(`operation=${e.operation}`);
    if (e.field) parts.push(`field=${SOURCE[e.field] ?? e.field}`);
    if (e.requestId) parts.push(`requestId=${e.requestId}`);
    if (e.retryable) parts.push("retryable");
    fail(EXIT[e.kind] ?? EXIT.internal, `${parts.join(" ")}: ${e.message}`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

await main();
