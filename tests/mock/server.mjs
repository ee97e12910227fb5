/**
 * Mock Cognite Data Fusion (CDF) server for the `cdf-workflow-retry` tests and demo page.
 *
 * Emulates, strictly, the CDF endpoints the package calls:
 *   POST /api/v1/projects/{project}/sessions
 *   POST /api/v1/projects/{project}/workflows/executions/list
 *   GET  /api/v1/projects/{project}/workflows/executions/{executionId}
 *   POST /api/v1/projects/{project}/workflows/executions/{executionId}/retry
 *   POST /api/v1/projects/{project}/workflows/executions/{executionId}/cancel
 *   GET  /api/v1/projects/{project}/workflows/triggers/{triggerExternalId}/history
 * an OAuth 2.0 client-credentials token endpoint (POST /oauth2/token, /oauth2/{tenant}/token),
 * plus a control API under /_mock/ (scripted faults, request log, nonce minting, retry
 * outcomes, token and cancel settings, trigger runs, per-project reset, stats) and an optional
 * static file server.
 *
 * Zero dependencies: only node: built-ins. See README.md beside this file.
 *
 * This file keeps the public entry points (startMockServer, SEED_EXECUTIONS, MAX_BODY_BYTES,
 * the command line); the rest lives beside it, one module per concern:
 *   router.mjs     every request: CORS preflight, request log, in-flight counts, scripted
 *                  faults, auth and header checks, then the endpoint's handler
 *   sessions.mjs   POST /sessions          executions.mjs  list, get, retry, cancel
 *   triggers.mjs   trigger history         oauth.mjs       the token endpoint
 *   control.mjs    the /_mock/ control API
 *   faults.mjs     scripted steps          static.mjs      the static file server
 *   state.mjs      per-project state, nonces, how retried runs end
 *   seed.mjs       seeded executions and workflows    views.mjs  how an execution is shown
 *   io.mjs         reading bodies, sending answers    util.mjs   shared helpers
 *
 * Library use:   const mock = await startMockServer({ quiet: true }); ... await mock.close();
 * Command line:  node tests/mock/server.mjs [--port N] [--host H] [--static /prefix/=dir]... [--quiet] [--seed N] …
 *                prints exactly one line `MOCK_URL=http://HOST:PORT` to stdout.
 */

import http from "node:http";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { MAX_TIMER_MS, isPlainObject, quote, cdfError } from "./util.mjs";
import { createState, nextRequestId, releaseWaits } from "./state.mjs";
import { CORS_EXPOSE_HEADERS } from "./io.mjs";
import { controlInProcess } from "./control.mjs";
import { normalizeStatic } from "./static.mjs";
import { handleRequest } from "./router.mjs";

export { MAX_BODY_BYTES } from "./io.mjs";
export { SEED_EXECUTIONS } from "./seed.mjs";

const DEFAULT_NONCE_TTL_MS = 60_000;
const DEFAULT_RETRY_OUTCOME_DELAY_MS = 5_000;
const DEFAULT_TOKEN_EXPIRES_IN = 3600;
const DEFAULT_GENERATED_EXECUTIONS = 30;
const MAX_GENERATED_EXECUTIONS = 1000;

// ---------------------------------------------------------------------------
// Server lifecycle
// ---------------------------------------------------------------------------

const OPTION_KEYS = [
  "port", "host", "quiet", "nonceTtlMs", "keepAlive", "static",
  "seed", "generatedExecutions", "seedTime", "retryOutcomeDelayMs", "tokenExpiresIn",
];

/** An optional integer option from `min` to `max`, or its default. */
function intOption(opts, name, min, max, fallback) {
  const value = opts[name] ?? fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`opts.${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function normalizeOptions(opts) {
  if (!isPlainObject(opts)) throw new TypeError("startMockServer(opts): opts must be an object");
  const unknown = Object.keys(opts).find((k) => !OPTION_KEYS.includes(k) && opts[k] !== undefined);
  if (unknown !== undefined) throw new TypeError(`startMockServer(opts): unknown option ${quote(unknown)}`);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError("opts.port must be an integer 0..65535");
  const host = opts.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw new TypeError("opts.host must be a non-empty string");
  const nonceTtlMs = opts.nonceTtlMs ?? DEFAULT_NONCE_TTL_MS;
  if (!Number.isFinite(nonceTtlMs) || nonceTtlMs < 0) throw new TypeError("opts.nonceTtlMs must be a non-negative number");
  return {
    port,
    host,
    nonceTtlMs,
    quiet: Boolean(opts.quiet),
    keepAlive: opts.keepAlive ?? true,
    static: normalizeStatic(opts.static),
    seed: intOption(opts, "seed", 0, 0xffffffff, 1),
    generatedExecutions: intOption(opts, "generatedExecutions", 0, MAX_GENERATED_EXECUTIONS, DEFAULT_GENERATED_EXECUTIONS),
    seedTime: intOption(opts, "seedTime", 0, Number.MAX_SAFE_INTEGER, Date.now()),
    retryOutcomeDelayMs: intOption(opts, "retryOutcomeDelayMs", 0, MAX_TIMER_MS, DEFAULT_RETRY_OUTCOME_DELAY_MS),
    tokenExpiresIn: intOption(opts, "tokenExpiresIn", 0, 10 * 365 * 86_400, DEFAULT_TOKEN_EXPIRES_IN),
  };
}

/** The URL clients should use for a listening address. */
function urlFor(host, port) {
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}

/** Answer a request Node could not parse (still with request id and CORS). */
function onClientError(state, err, socket) {
  if (err.code === "ECONNRESET" || !socket.writable || socket.destroyed) return socket.destroy();
  const id = nextRequestId(state);
  const body = JSON.stringify(cdfError(400, "Malformed HTTP request"));
  socket.end(
    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${id}\r\n` +
      `Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: ${CORS_EXPOSE_HEADERS}\r\n\r\n${body}`,
  );
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/**
 * Start the mock server.
 * @param {{port?: number, host?: string, static?: Record<string,string>, quiet?: boolean, nonceTtlMs?: number,
 *   keepAlive?: boolean, seed?: number, generatedExecutions?: number, seedTime?: number,
 *   retryOutcomeDelayMs?: number, tokenExpiresIn?: number}} opts
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>,
 *   control: (method: string, path: string, body?: unknown) => {status: number, body: any}}>}
 */
export async function startMockServer(opts = {}) {
  const options = normalizeOptions(opts);
  const state = createState(options);
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    req.on("error", () => {});
    res.on("error", () => {});
    // keepAlive: false answers every request with `Connection: close`. Browsers transparently
    // resend a request whose reused keep-alive connection was reset before any answer byte;
    // fault tests that reset sockets use it so that what the module sends is what arrives.
    if (!options.keepAlive) res.shouldKeepAlive = false;
    void handleRequest(state, req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (err, socket) => onClientError(state, err, socket));
  server.on("error", () => {}); // after listening, nothing to report to

  await listen(server, options.port, options.host);
  const { port } = server.address();

  let closing = null;
  const close = () => {
    closing ??= new Promise((resolve) => {
      state.closed = true;
      releaseWaits(state);
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  const control = (method, path, body) => controlInProcess(state, method, path, body);
  return { url: urlFor(options.host, port), port, close, control };
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/** Numeric command-line flags and the option each sets. */
const CLI_NUMBERS = {
  port: "port",
  "nonce-ttl-ms": "nonceTtlMs",
  seed: "seed",
  "generated-executions": "generatedExecutions",
  "seed-time": "seedTime",
  "retry-outcome-delay-ms": "retryOutcomeDelayMs",
  "token-expires-in": "tokenExpiresIn",
};
const CLI_USAGE = "usage: node tests/mock/server.mjs [--port N] [--host H] [--static PREFIX=DIR]... [--quiet] [--nonce-ttl-ms N]\n" +
  "       [--seed N] [--generated-executions N] [--seed-time MS] [--retry-outcome-delay-ms N] [--token-expires-in S]\n";

/** Parse `--port N --host H --static PREFIX=DIR --quiet` and the numeric flags of CLI_NUMBERS. */
function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" },
      static: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      ...Object.fromEntries(Object.keys(CLI_NUMBERS).map((flag) => [flag, { type: "string" }])),
    },
    strict: true,
  });
  const opts = { host: values.host, quiet: values.quiet };
  for (const [flag, option] of Object.entries(CLI_NUMBERS)) {
    if (values[flag] === undefined) continue;
    if (!/^\d+$/.test(values[flag])) throw new TypeError(`--${flag} expects a non-negative integer, got ${quote(values[flag])}`);
    opts[option] = Number(values[flag]);
  }
  if (values.static) {
    opts.static = {};
    for (const spec of values.static) {
      const eq = spec.indexOf("=");
      if (eq < 1) throw new TypeError(`--static expects PREFIX=DIR, got ${quote(spec)}`);
      opts.static[spec.slice(0, eq)] = spec.slice(eq + 1);
    }
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`mock server: ${err.message}\n${CLI_USAGE}`);
    process.exit(2);
  }
  const mock = await startMockServer(opts);
  process.stdout.write(`MOCK_URL=${mock.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    mock.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** True when this file is the script node was asked to run. */
function isRunDirectly() {
  const script = process.argv[1];
  if (!script) return false;
  try {
    if (import.meta.url === pathToFileURL(script).href) return true;
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isRunDirectly()) {
  main().catch((err) => {
    process.stderr.write(`mock server failed to start: ${err.message}\n`);
    process.exit(1);
  });
}
