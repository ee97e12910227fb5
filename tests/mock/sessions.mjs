// POST /api/v1/projects/{project}/sessions: token exchange or client credentials, one nonce.

import { isPlainObject, quote, jsonAnswer, errorAnswer, unexpectedKey } from "./util.mjs";
import { mintNonce } from "./state.mjs";

/** The problem with a create-sessions body, or null. Never echoes values. */
function sessionBodyProblem(body) {
  if (!isPlainObject(body)) return "Request body must be a JSON object";
  const extra = unexpectedKey(body, ["items"]);
  if (extra !== undefined) return `Unexpected field ${quote(extra)} in request body`;
  if (!Array.isArray(body.items) || body.items.length !== 1) return "items must be an array of exactly one item";
  const item = body.items[0];
  if (!isPlainObject(item)) return "items[0] must be an object";
  if ("tokenExchange" in item) {
    const other = unexpectedKey(item, ["tokenExchange"]);
    if (other !== undefined) return `Unexpected field ${quote(other)} in items[0]`;
    return item.tokenExchange === true ? null : "items[0].tokenExchange must be true";
  }
  if ("clientId" in item || "clientSecret" in item) {
    const other = unexpectedKey(item, ["clientId", "clientSecret"]);
    if (other !== undefined) return `Unexpected field ${quote(other)} in items[0]`;
    for (const field of ["clientId", "clientSecret"]) {
      if (typeof item[field] !== "string" || item[field] === "") return `items[0].${field} must be a non-empty string`;
    }
    return null;
  }
  return "items[0] must have tokenExchange, or clientId and clientSecret";
}

export function validClientCredentials({ clientId, clientSecret }) {
  if (clientId === "demo-client") return clientSecret === "demo-secret";
  return clientId.startsWith("test-client") && clientSecret.startsWith("test-secret");
}

export function createSession(state, projectName, body) {
  const problem = sessionBodyProblem(body);
  if (problem) return errorAnswer(400, problem);
  const item = body.items[0];
  const byClient = "clientId" in item;
  if (byClient && !validClientCredentials(item)) return errorAnswer(401, "Could not authenticate client credentials");
  state.sessionCounter += 1;
  const session = {
    id: 5_000_000_000 + state.sessionCounter,
    type: byClient ? "CLIENT_CREDENTIALS" : "TOKEN_EXCHANGE",
    status: "READY",
    nonce: mintNonce(state, projectName, state.options.nonceTtlMs),
  };
  if (byClient) session.clientId = item.clientId;
  return jsonAnswer(200, { items: [session] });
}
