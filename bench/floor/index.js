// The floor: a minimal, hand-written `fetch` implementation of the same contract,
// as a careful developer would write it in a hurry. It is what `npm run bench`
// compares cdf-workflow-retry against (bytes, start-up, CPU per call, memory).
//
// Honest but minimal: it validates the main options, creates a session when no
// nonce is given, sends the retry, checks the answer's shape and rejects with a
// small CdfError. It does NOT retry, honour Retry-After, enforce timeoutMs,
// reject unknown option keys, refresh a token after 401, redact echoed secrets
// or parse non-CDF error bodies; those are what the package adds.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT = /^(?=[a-zA-Z0-9-]*[a-zA-Z])[a-zA-Z0-9][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const CLUSTER = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const VISIBLE = /^[\x21-\x7e]+$/;
const SDK = "cdf-workflow-retry:0.1.0";

export class CdfError extends Error {
  constructor(kind, message, fields) {
    super(message);
    this.name = "CdfError";
    this.kind = kind;
    this.retryable = false;
    Object.assign(this, fields);
  }
}

export const isCdfError = (e) => e instanceof CdfError;

const invalid = (field, rule) =>
  new CdfError("invalid_input", `Invalid option \`${field}\`: it must ${rule}.`, { field, attempts: 0 });

function originOf({ cluster, baseUrl }) {
  if ((cluster === undefined) === (baseUrl === undefined)) throw invalid("cluster", "be given (or baseUrl, exactly one)");
  if (cluster !== undefined) {
    if (typeof cluster !== "string" || !CLUSTER.test(cluster)) throw invalid("cluster", "be a cluster name");
    return `https://${cluster}.cognitedata.com`;
  }
  let url;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid("baseUrl", "be an absolute URL");
  }
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || url.hostname.startsWith("127.");
  const schemeOk = url.protocol === "https:" || (url.protocol === "http:" && loopback);
  if (!schemeOk || url.username || url.password || url.search || url.hash || url.pathname !== "/") {
    throw invalid("baseUrl", "be an https origin (http only for loopback)");
  }
  return url.origin;
}

/** @returns {Promise<import("../../pkg/index.d.ts").WorkflowExecution>} */
export async function retryExecution(options) {
  if (typeof options !== "object" || options === null) throw invalid("options", "be an object");
  const { project, token, executionId, nonce, clientCredentials, signal, appName } = options;
  if (typeof project !== "string" || !PROJECT.test(project)) throw invalid("project", "be a project name");
  const origin = originOf(options);
  if (typeof token !== "string" && typeof token !== "function") throw invalid("token", "be a string or a function");
  if (typeof executionId !== "string" || !UUID.test(executionId)) throw invalid("executionId", "be a UUID");
  if (nonce !== undefined && (typeof nonce !== "string" || nonce.length > 4096 || !VISIBLE.test(nonce))) {
    throw invalid("nonce", "be a string of visible ASCII");
  }
  const bearer = typeof token === "function" ? await token() : token;
  if (typeof bearer !== "string" || !VISIBLE.test(bearer)) throw invalid("token", "give a token");

  const headers = {
    Authorization: `Bearer ${bearer}`,
    Accept: "application/json",
    "Content-Type": "application/json",
    "x-cdp-sdk": SDK,
  };
  if (appName !== undefined) headers["x-cdp-app"] = appName;
  const api = `${origin}/api/v1/projects/${project}`;
  let attempts = 0;

  const post = async (operation, path, body) => {
    let res;
    attempts++;
    try {
      res = await fetch(api + path, { method: "POST", headers, body: JSON.stringify(body), signal });
    } catch (cause) {
      const kind = signal?.aborted ? "aborted" : "network";
      throw new CdfError(kind, `${operation} failed: ${cause?.message}`, { operation, cause, attempts, retryable: kind === "network" });
    }
    const data = await res.json().catch(() => undefined);
    if (!res.ok) {
      const error = data?.error ?? {};
      throw new CdfError("api", `CDF answered ${res.status} to ${operation}: ${error.message ?? "no message"}`, {
        operation,
        status: res.status,
        code: error.code,
        requestId: res.headers.get("x-request-id") ?? undefined,
        retryable: res.status === 429 || res.status >= 500,
        attempts,
      });
    }
    if (typeof data !== "object" || data === null) throw bad(operation, "body");
    return data;
  };
  const bad = (operation, field) =>
    new CdfError("invalid_response", `CDF's answer to ${operation} is not as documented: \`${field}\``, { operation, field, attempts });

  let sessionNonce = nonce;
  if (sessionNonce === undefined) {
    const item = clientCredentials
      ? { clientId: clientCredentials.clientId, clientSecret: clientCredentials.clientSecret }
      : { tokenExchange: true };
    const session = await post("createSession", "/sessions", { items: [item] });
    sessionNonce = session.items?.[0]?.nonce;
    if (typeof sessionNonce !== "string") throw bad("createSession", "items[0].nonce");
  }
  const id = executionId.toLowerCase();
  const e = await post("retryExecution", `/workflows/executions/${id}/retry`, { authentication: { nonce: sessionNonce } });

  const op = "retryExecution";
  const isTime = (v) => Number.isSafeInteger(v) && v >= 0;
  for (const k of ["id", "workflowExternalId", "status", "engineExecutionId"]) {
    if (typeof e[k] !== "string") throw bad(op, k);
  }
  if (!UUID.test(e.id)) throw bad(op, "id");
  if (!UUID.test(e.engineExecutionId)) throw bad(op, "engineExecutionId");
  if (!isTime(e.createdTime)) throw bad(op, "createdTime");
  if (typeof e.metadata !== "object" || e.metadata === null) throw bad(op, "metadata");
  const metadata = Object.fromEntries(Object.entries(e.metadata));
  if (Object.values(metadata).some((v) => typeof v !== "string")) throw bad(op, "metadata");
  const out = {
    id: e.id,
    workflowExternalId: e.workflowExternalId,
    status: e.status,
    engineExecutionId: e.engineExecutionId,
    createdTime: e.createdTime,
    metadata,
  };
  for (const [k, check] of [
    ["version", (v) => typeof v === "string"],
    ["startTime", isTime],
    ["endTime", isTime],
    ["reasonForIncompletion", (v) => typeof v === "string"],
  ]) {
    if (e[k] == null) continue;
    if (!check(e[k])) throw bad(op, k);
    out[k] = e[k];
  }
  return out;
}
