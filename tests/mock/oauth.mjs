// The OAuth 2.0 client-credentials token endpoint (POST /oauth2/token, /oauth2/{tenant}/token).

import { randomBytes } from "node:crypto";
import { quote, safeDecode, jsonAnswer, acceptsJson, has } from "./util.mjs";
import { validClientCredentials } from "./sessions.mjs";

/** Lifetime of a token whose `expires_in` is omitted or not numeric (what clients assume). */
const ASSUMED_TOKEN_LIFETIME_S = 3600;

const TOKEN_PARAMS = ["grant_type", "client_id", "client_secret", "scope", "audience"];

/** An OAuth error answer (RFC 6749 §5.2). */
function oauthError(status, error, description, headers = {}) {
  return jsonAnswer(status, { error, error_description: description }, { "cache-control": "no-store", ...headers });
}

/**
 * The form parameters of a token request, or `{ problem }`. Strict: every parameter once,
 * only the known ones, well-formed percent-encoding.
 */
function parseTokenForm(text) {
  if (text === "") return { problem: "The request body is empty" };
  const params = {};
  for (const pair of text.split("&")) {
    if (/%(?![0-9a-fA-F]{2})/.test(pair)) return { problem: "The request body is not well-formed form data" };
    const eq = pair.indexOf("=");
    const decode = (s) => safeDecode(s.replace(/\+/g, " "));
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? "" : pair.slice(eq + 1));
    if (name === null || value === null) return { problem: "The request body is not well-formed form data" };
    if (!TOKEN_PARAMS.includes(name)) return { problem: `Unexpected parameter ${quote(name)}` };
    if (has(params, name)) return { problem: `Parameter ${quote(name)} is repeated` };
    params[name] = value;
  }
  return { params };
}

/** The `expires_in` to answer (number, string, or undefined to omit) and the real lifetime in s. */
export function tokenExpiry(oauth) {
  const { expiresIn, lifetimeSeconds } = oauth;
  let lifetime = ASSUMED_TOKEN_LIFETIME_S;
  if (typeof expiresIn === "number") lifetime = expiresIn;
  else if (typeof expiresIn === "string" && /^\d+$/.test(expiresIn.trim())) lifetime = Number(expiresIn.trim());
  return { expiresIn: expiresIn ?? undefined, lifetime: lifetimeSeconds ?? lifetime };
}

/**
 * POST /oauth2/token or /oauth2/{tenant}/token. Checks, in order: method, headers (form
 * Content-Type, Accept with application/json, no Authorization and no x-cdp-* header),
 * the form, grant_type, client credentials. The secret is never echoed.
 */
export function processToken(ctx, tenant, project, bodyText) {
  const { req, state } = ctx;
  if (req.method !== "POST") {
    return oauthError(405, "invalid_request", `Method ${req.method} is not allowed here; use POST`, { allow: "POST, OPTIONS" });
  }
  const { headers } = req;
  const contentType = headers["content-type"];
  if (!contentType || contentType.split(";")[0].trim().toLowerCase() !== "application/x-www-form-urlencoded") {
    return oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  }
  if (!headers.accept || !acceptsJson(headers.accept)) {
    return oauthError(400, "invalid_request", "The Accept header must include application/json");
  }
  if (headers.authorization !== undefined) {
    return oauthError(400, "invalid_request", "A token request must not carry an Authorization header (the client authenticates in the body)");
  }
  const cdp = Object.keys(headers).find((name) => name.startsWith("x-cdp-"));
  if (cdp) return oauthError(400, "invalid_request", `Unexpected header ${quote(cdp)}: the identity provider is not CDF`);
  const { params, problem } = parseTokenForm(bodyText);
  if (problem) return oauthError(400, "invalid_request", problem);
  if (!params.grant_type) return oauthError(400, "invalid_request", "Missing grant_type");
  if (params.grant_type !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported");
  }
  for (const name of ["client_id", "client_secret"]) {
    if (!params[name]) return oauthError(400, "invalid_request", `Missing ${name}`);
  }
  for (const name of ["scope", "audience"]) {
    if (has(params, name) && params[name].trim() === "") return oauthError(400, "invalid_request", `${name} must not be empty when present`);
  }
  if (!validClientCredentials({ clientId: params.client_id, clientSecret: params.client_secret })) {
    return oauthError(401, "invalid_client", "Client authentication failed");
  }
  const { expiresIn, lifetime } = tokenExpiry(project.oauth);
  const accessToken = `mock-at-${randomBytes(24).toString("base64url")}`;
  state.tokens.set(accessToken, { tenant, expiresAt: Date.now() + lifetime * 1000, revoked: false });
  project.counts.tokensIssued += 1;
  const answer = { access_token: accessToken, token_type: "Bearer" };
  if (expiresIn !== undefined) answer.expires_in = expiresIn;
  return jsonAnswer(200, answer, { "cache-control": "no-store", pragma: "no-cache" });
}
