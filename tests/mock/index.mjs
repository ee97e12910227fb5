/**
 * `cdf-workflow-retry/mock`: a mock Cognite Data Fusion (CDF) server for your own tests.
 * Node only (20+), no dependencies: it imports only `node:` built-ins and ./server.mjs (whose
 * modules beside it import only `node:` built-ins and each other).
 *
 * ```js
 * import { startMock } from "cdf-workflow-retry/mock";
 * import { retryExecution, getExecution } from "cdf-workflow-retry";
 *
 * const mock = await startMock();                 // one server on a free loopback port
 * const id = mock.executionIds.failed[0];
 * await retryExecution({ ...mock.connection, executionId: id });   // baseUrl, project, token
 * await mock.script("retry", { status: 503 });    // the next retry answers 503
 * await mock.close();
 * ```
 *
 * Every helper below talks to the server in process (no HTTP), so it works even when a test
 * replaces `globalThis.fetch`. See README.md beside this file for the endpoints and steps.
 */
import { randomBytes } from "node:crypto";
import { startMockServer, SEED_EXECUTIONS } from "./server.mjs";

export { startMockServer, SEED_EXECUTIONS };

/** What `script` accepts as its target: an operation, or a path starting with "/". */
const OPS = ["sessions", "retry", "list", "get", "cancel", "triggerRuns", "token", "any"];
/** The project naming rule of the package: 3 to 32 letters, digits, hyphens, a letter, no edge hyphen. */
const PROJECT_RE = /^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{1,30})[A-Za-z0-9]$/;
/** A valid UUID that no seeded execution has (GET and retry answer 404). */
const MISSING_EXECUTION_ID = "99999999-9999-4999-8999-999999999999";

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Start a mock CDF server for one test file (or one test).
 *
 * @param {import("./index.d.ts").StartMockOptions} [options]
 *   `project` (default "test-project") plus any option of `startMockServer`: `seed`,
 *   `generatedExecutions`, `seedTime`, `retryOutcomeDelayMs`, `tokenExpiresIn`, `nonceTtlMs`,
 *   `port`, `host`, `keepAlive`, `quiet` (default true here), `static`.
 * @returns {Promise<import("./index.d.ts").MockCdf>}
 */
export async function startMock(options = {}) {
  if (!isPlainObject(options)) throw new TypeError("startMock(options): options must be an object");
  const { project = "test-project", ...serverOptions } = options;
  if (typeof project !== "string" || !PROJECT_RE.test(project)) {
    throw new TypeError("startMock: project must be 3 to 32 letters, digits or hyphens, with a letter and no leading or trailing hyphen");
  }
  const server = await startMockServer({ quiet: true, ...serverOptions });
  const base = `/projects/${encodeURIComponent(project)}`;

  /** A control call in process; throws on an error status (with the mock's message). */
  const control = (method, path, body) => {
    const answer = server.control(method, path, body);
    if (answer.status >= 400) {
      const error = new Error(`mock control ${method} ${path}: ${answer.status} ${answer.body?.error?.message ?? ""}`.trim());
      error.status = answer.status;
      throw error;
    }
    return answer.body;
  };

  const initial = control("GET", `${base}/executions`).items.map(
    ({ retries, endsAt, endsAs, ...rest }) => Object.freeze({ ...rest }),
  );
  const ids = (keep) => Object.freeze(initial.filter(keep).map((e) => e.id));
  const retryable = (e) => ["FAILED", "TIMED_OUT", "TERMINATED"].includes(e.status);
  const executionIds = Object.freeze({
    failed: ids((e) => e.status === "FAILED"),
    timedOut: ids((e) => e.status === "TIMED_OUT"),
    terminated: ids((e) => e.status === "TERMINATED"),
    completed: ids((e) => e.status === "COMPLETED"),
    running: ids((e) => e.status === "RUNNING"),
    retryable: ids(retryable),
    completesOnRetry: ids((e) => retryable(e) && !e.failsAgain),
    failsAgain: ids((e) => retryable(e) && e.failsAgain),
    all: ids(() => true),
  });

  const suffix = randomBytes(4).toString("hex");
  const token = `test-token-${suffix}`;

  const mock = {
    url: server.url,
    port: server.port,
    project,
    token,
    tokenUrl: `${server.url}/oauth2/${encodeURIComponent(project)}/token`,
    clientId: `test-client-${suffix}`,
    clientSecret: `test-secret-${suffix}`,
    connection: Object.freeze({ baseUrl: server.url, project, token }),
    executionIds,
    missingExecutionId: MISSING_EXECUTION_ID,
    executions: Object.freeze(initial),

    script(target, steps) {
      if (steps === undefined) return control("POST", `${base}/script`, target);
      const isOp = OPS.includes(target);
      if (!isOp && !(typeof target === "string" && target.startsWith("/"))) {
        throw new TypeError(`script(target, steps): target must be one of ${OPS.join(", ")} or a path starting with "/"`);
      }
      const list = Array.isArray(steps) ? steps : [steps];
      const tagged = list.map((step, i) => {
        if (!isPlainObject(step)) throw new TypeError(`script: step ${i} must be an object`);
        const key = isOp ? "on" : "path";
        if (step[key] !== undefined && step[key] !== target) {
          throw new TypeError(`script: step ${i} has ${key} ${JSON.stringify(step[key])}, but the target is ${JSON.stringify(target)}`);
        }
        return { ...step, [key]: target };
      });
      return control("POST", `${base}/script`, tagged);
    },

    setOutcome(executionId, outcome) {
      if (typeof executionId !== "string") throw new TypeError("setOutcome(executionId, outcome): executionId must be a string");
      return control("POST", `${base}/outcomes`, { [executionId]: outcome === undefined ? null : outcome }).outcomes;
    },

    setTokenExpiry(settings) {
      return control("POST", `${base}/oauth`, settings);
    },

    revokeTokens() {
      return control("POST", `${base}/oauth/revoke`).revoked;
    },

    setCancelSettings(settings) {
      return control("POST", `${base}/cancel`, settings);
    },

    triggers() {
      return control("GET", `${base}/triggers`).items;
    },

    addTriggerRuns(triggerExternalId, runs, options = {}) {
      if (typeof triggerExternalId !== "string") throw new TypeError("addTriggerRuns(triggerExternalId, runs, options?): triggerExternalId must be a string");
      if (!isPlainObject(options)) throw new TypeError("addTriggerRuns: options must be an object such as { replace: true }");
      return control("POST", `${base}/triggers/${encodeURIComponent(triggerExternalId)}/runs`, { ...options, runs }).runs;
    },

    triggerRuns(triggerExternalId) {
      return control("GET", `${base}/triggers/${encodeURIComponent(String(triggerExternalId))}/runs`).items;
    },

    setTriggerPaging(triggerExternalId, cursors) {
      if (typeof triggerExternalId !== "string") throw new TypeError("setTriggerPaging(triggerExternalId, cursors): triggerExternalId must be a string");
      return control("POST", `${base}/triggers/${encodeURIComponent(triggerExternalId)}/paging`, { cursors: cursors ?? null }).cursors;
    },

    log(filter = {}) {
      if (!isPlainObject(filter)) throw new TypeError("log(filter): filter must be an object such as { op: \"retry\" }");
      const query = filter.op === undefined ? "" : `?op=${encodeURIComponent(filter.op)}`;
      return control("GET", `${base}/log${query}`).requests;
    },

    stats() {
      return { ...control("GET", `${base}/stats`), ...control("GET", "/stats") };
    },

    status(executionId) {
      const id = String(executionId).toLowerCase();
      return control("GET", `${base}/executions`).items.find((e) => e.id === id)?.status;
    },

    mintNonce(ttlMs) {
      return control("POST", `${base}/nonce`, ttlMs === undefined ? undefined : { ttlMs }).nonce;
    },

    reset() {
      control("DELETE", base);
    },

    control,

    close() {
      return server.close();
    },
  };
  if (typeof Symbol.asyncDispose === "symbol") mock[Symbol.asyncDispose] = () => server.close();
  return Object.freeze(mock);
}
