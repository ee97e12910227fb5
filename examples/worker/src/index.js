// A Cloudflare Worker that retries CDF workflow executions:
//
//   POST /executions/{executionId}/retry   →  200 with the execution as JSON
//   POST /executions/{executionId}/cancel  →  200 with the cancelled (TERMINATED) execution
//
// Configuration (wrangler.toml [vars] and `wrangler secret put`):
//   CDF_PROJECT                        the CDF project
//   CDF_CLUSTER or CDF_BASE_URL        e.g. "westeurope-1", or a full origin
//   CDF_TOKEN                          bearer token sent with every request (a secret)
//   CDF_CLIENT_ID, CDF_CLIENT_SECRET   optional: create the session with client credentials
//                                      instead of token exchange (CDF_TOKEN is still required)
//
// Errors answer {"error":{kind,message,status,requestId,field,retryable,attempts,operation}}
// with the HTTP status chosen by httpStatusOf() below.
import { retryExecution, cancelExecution, isCdfError } from "cdf-workflow-retry";

const ROUTE = /^\/executions\/([^/]+)\/(retry|cancel)\/?$/;

export default {
  async fetch(request, env) {
    const match = ROUTE.exec(new URL(request.url).pathname);
    if (!match) {
      return json(404, { error: { kind: "not_found", message: "Not found: use POST /executions/{id}/retry or /cancel" } });
    }
    if (request.method !== "POST") {
      return json(405, { error: { kind: "method_not_allowed", message: "Use POST" } }, { Allow: "POST" });
    }
    const connection = {
      project: env.CDF_PROJECT,
      cluster: env.CDF_CLUSTER || undefined,
      baseUrl: env.CDF_BASE_URL || undefined,
      token: env.CDF_TOKEN,
      executionId: match[1], // the library validates it: a UUID, or a 400 invalid_input
      signal: request.signal,
      appName: "cdf-workflow-retry-worker",
    };
    try {
      if (match[2] === "cancel") return json(200, await cancelExecution(connection));
      const execution = await retryExecution({
        ...connection,
        clientCredentials:
          env.CDF_CLIENT_ID || env.CDF_CLIENT_SECRET
            ? { clientId: env.CDF_CLIENT_ID ?? "", clientSecret: env.CDF_CLIENT_SECRET ?? "" }
            : undefined,
      });
      return json(200, execution);
    } catch (e) {
      if (!isCdfError(e)) return json(500, { error: { kind: "internal", message: "Internal error" } });
      const { kind, message, status, requestId, field, retryable, attempts, operation } = e;
      return json(httpStatusOf(e), {
        error: { kind, message, status, requestId, field, retryable, attempts, operation },
      });
    }
  },
};

/** The HTTP status this Worker answers for a CdfError. */
function httpStatusOf(e) {
  switch (e.kind) {
    case "invalid_input":
      // Only the execution id comes from the caller; any other field is this Worker's configuration.
      return e.field === "executionId" ? 400 : 500;
    case "api":
      // CDF refused the request (400 not retryable, 404 unknown, 429 …): pass its status on.
      // A CDF server error is a bad gateway for our caller.
      return e.status >= 400 && e.status < 500 ? e.status : 502;
    case "network":
    case "invalid_response":
      return 502;
    case "timeout":
      return 504;
    case "aborted":
      // The caller went away (request.signal): nobody reads this answer. 499 as in nginx.
      return 499;
    default:
      return 500;
  }
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
