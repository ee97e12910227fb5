// A battery of failures with distinctive secrets (token, client secret,
// nonce), many echoed back by the server: none of the secrets a call was given
// may appear in its error's message, toString, stack, fields or cause.
import { test } from "node:test";
import assert from "node:assert/strict";
import { retryExecution, withMock, project, baseOptions, script, mintNonce, rejection, errorTexts, COMPLETED } from "./helpers.mjs";

const TOKEN = "test-token-SECRET-tok-7f3a";
const CLIENT_SECRET = "test-secret-SECRET-cs-91b2";

test("no error shows the token, the client secret or the nonce", async () => {
  await withMock(async (mock) => {
    const errors = [];
    const echo = (s) => `echo ${s} / ${TOKEN} / ${CLIENT_SECRET}`;
    const scenarios = [
      // [extra options, script steps]
      [{}, { on: "sessions", status: 400, body: { error: { code: 400, message: echo("x"), [TOKEN]: CLIENT_SECRET } } }],
      [{}, { on: "sessions", status: 502, body: `<html>${echo("y")}</html>`, headers: { "content-type": "text/html" } }],
      [{ clientCredentials: { clientId: "test-client-1", clientSecret: CLIENT_SECRET } }, { on: "sessions", status: 401, body: echo("cc") }],
      [{ clientCredentials: { clientId: "test-client-1", clientSecret: CLIENT_SECRET } }, { on: "retry", status: 500, body: { error: { code: 500, message: echo("r"), missing: [{ s: CLIENT_SECRET }] } } }],
      [{ maxRetries: 0 }, { on: "retry", reset: true }],
      [{ timeoutMs: 200 }, { on: "retry", hang: true }],
      [{ executionId: COMPLETED }, null],
      [{ maxRetries: 0 }, { on: "retry", status: 503 }],
      [{ token: `${TOKEN} with space` }, null],
      [{ token: () => { throw new Error("provider failed"); } }, null],
      [{ clientCredentials: { clientId: "", clientSecret: CLIENT_SECRET } }, null],
    ];
    for (const [extra, steps] of scenarios) {
      const p = project("sec");
      if (steps) await script(mock, p, steps);
      // The module can hide only the secrets it was given: the client secret when it has one.
      const known = extra.clientCredentials ? [extra.clientCredentials.clientSecret] : [];
      errors.push([await rejection(retryExecution(baseOptions(mock, p, { token: TOKEN, maxRetries: 0, ...extra }))), known]);
    }
    // With a caller's nonce, echoed back by the server.
    for (const status of [400, 403, 409, 503]) {
      const p = project("secn");
      const nonce = await mintNonce(mock, p);
      await script(mock, p, { on: "retry", status, body: { error: { code: status, message: `bad nonce ${nonce}`, nonce } } });
      errors.push([await rejection(retryExecution(baseOptions(mock, p, { token: TOKEN, nonce }))), [nonce]]);
    }
    // A nonce that is not valid input.
    errors.push([await rejection(retryExecution(baseOptions(mock, project("secv"), { nonce: "nonce-SECRET x" }))), ["nonce-SECRET"]]);
    // Aborted with a reason.
    const c = new AbortController();
    const p = project("seca");
    await script(mock, p, { on: "retry", hang: true });
    setTimeout(() => c.abort("stop"), 50);
    errors.push([await rejection(retryExecution(baseOptions(mock, p, { token: TOKEN, signal: c.signal }))), []]);

    assert.equal(errors.length, scenarios.length + 6);
    for (const [e, extraSecrets] of errors) {
      for (const text of errorTexts(e)) {
        for (const secret of [TOKEN, ...extraSecrets]) {
          assert.ok(!text.includes(secret), `${e.kind} error shows ${secret}: ${text}`);
        }
      }
    }
  });
});
