// End-to-end tests of the demo page (www/) in Debian's Chromium, against `startDemo` (the mock
// CDF server serving the page and pkg/). Needs a built pkg/: `node scripts/build.mjs`.
//
//   node --test --test-concurrency=1 tests/e2e/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startDemo, WWW_DIR } from "../../scripts/start.mjs";
import {
  DEMO_TOKEN, IDS, checkPrerequisites, launchBrowser, mockLog, openDemo, screenshotDir, script, shot,
  uniqueProject, until, exposedState, control,
} from "./helpers.mjs";

let demo;
let browser;
const opened = [];

before(async () => {
  checkPrerequisites();
  demo = await startDemo({ port: 0 });
  assert.ok(demo.port > 0, "startDemo({ port: 0 }) reports the real port");
  assert.equal(demo.url, `http://127.0.0.1:${demo.port}/`);
  browser = await launchBrowser();
});

after(async () => {
  for (const { context } of opened) await context.close().catch(() => {});
  await browser?.close();
  await demo?.close();
});

/** Open the page (one context per test) and remember it for cleanup. */
async function open(options) {
  const session = await openDemo(browser, demo, options);
  opened.push(session);
  return session;
}

/** Every test ends with: nothing went wrong in the page, and the token showed up nowhere. */
async function assertClean({ page, problems, messages }, token = DEMO_TOKEN) {
  assert.deepEqual(problems, [], "no page errors, unexpected console errors or CSP refusals");
  for (const line of messages) assert.ok(!line.includes(token), `the token is never logged: ${line}`);
  const state = await exposedState(page);
  assert.ok(!state.html.includes(token), "the token is in no element or attribute (the input keeps it as a property)");
  assert.ok(!state.text.includes(token), "the token is in no visible text");
  assert.ok(!state.local.includes(token), "the token is never in localStorage");
}

/** A loopback port nothing listens on (taken, then released). */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const fact = (page, key) => page.locator(`#result [data-key="${key}"] dd`);

describe("demo page", () => {
  it("has a CSP that allows only what it needs, and no inline script or style", () => {
    const html = readFileSync(join(WWW_DIR, "index.html"), "utf8");
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1];
    assert.ok(csp, "a CSP meta tag");
    const directives = Object.fromEntries(
      csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]),
    );
    assert.deepEqual(directives["default-src"], ["'self'"]);
    assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
    assert.deepEqual(directives["style-src"], ["'self'"]);
    assert.ok(directives["connect-src"].includes("'self'") && directives["connect-src"].includes("https:"));
    assert.ok(!directives["connect-src"].includes("*"), "connect-src is not a bare wildcard");
    for (const file of ["index.html"]) {
      const text = readFileSync(join(WWW_DIR, file), "utf8");
      assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(text), `${file}: no inline <script>`);
      assert.ok(!/<style[\s>]/i.test(text), `${file}: no <style>`);
      assert.ok(!/\sstyle=/i.test(text), `${file}: no style= attribute`);
      assert.ok(!/\son[a-z]+=/i.test(text), `${file}: no inline event handler`);
    }
    for (const file of ["app.js", "view.js"]) {
      const text = readFileSync(join(WWW_DIR, file), "utf8");
      assert.ok(!/\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write/.test(text), `${file}: no HTML injection`);
      assert.ok(!/console\.(log|info|debug|warn|error)/.test(text), `${file}: logs nothing`);
    }
  });

  it("detects the mock and pre-fills the form (screenshot: empty form)", async () => {
    const session = await open();
    const { page } = session;
    assert.equal(await page.locator("#target-baseUrl").isChecked(), true, "base URL mode");
    assert.equal(await page.inputValue("#baseUrl"), demo.url.replace(/\/$/, ""), "base URL is the page's origin");
    assert.equal(await page.inputValue("#project"), "demo-project");
    assert.equal(await page.inputValue("#token"), DEMO_TOKEN, "the demo token is pre-filled for the mock");
    assert.equal(await page.getAttribute("#token", "type"), "password");
    assert.equal(await page.inputValue("#timeoutMs"), "60000");
    assert.equal(await page.locator("#cluster-field").isHidden(), true);
    assert.equal(await page.locator("#mock-note").isVisible(), true);
    const options = await page.locator("#seeded option").allInnerTexts();
    assert.equal(options.length, 8, "a placeholder and the 7 seeded executions");
    assert.ok(options.some((o) => o.startsWith("nightly-ingest · FAILED · 11111111")), options.join("\n"));
    assert.ok(options.some((o) => o.startsWith("nightly-ingest · COMPLETED · 44444444")), options.join("\n"));
    assert.equal(await page.isEnabled("#retry"), true);
    assert.equal(await page.isDisabled("#cancel"), true);
    assert.match(await page.locator("#status").innerText(), /Ready/);
    assert.equal(await page.getAttribute("#status", "aria-live"), "polite");
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, "nothing stored");
    await shot(page, "1-empty-form.png");
    await assertClean(session);
  });

  it("(a) retries a seeded FAILED execution: RUNNING badge and the execution (screenshot: success)", async () => {
    const project = uniqueProject("ok");
    const session = await open({ project });
    const { page } = session;
    await page.selectOption("#seeded", IDS.failed);
    assert.equal(await page.inputValue("#executionId"), IDS.failed, "choosing a seeded execution fills the id");
    await page.click("#retry");
    const badge = page.locator("#result .badge[data-status]");
    await badge.waitFor({ timeout: 10_000 });
    assert.equal(await badge.innerText(), "RUNNING");
    assert.match(await badge.getAttribute("class"), /badge--running/);
    assert.equal(await fact(page, "id").innerText(), IDS.failed);
    assert.equal(await fact(page, "workflowExternalId").innerText(), "nightly-ingest");
    assert.equal(await fact(page, "version").innerText(), "v3");
    assert.equal(await fact(page, "engineExecutionId").innerText(), "9b2f4c1e-3a7d-4e8b-9c10-5d6e7f8a9b01");
    assert.equal(await fact(page, "createdTime").innerText(), "Mar 10, 2026, 02:00:00 AM UTC", "local time (UTC here)");
    assert.equal(await page.locator('#result [data-key="createdTime"] time').getAttribute("datetime"), "2026-03-10T02:00:00.000Z");
    assert.equal(await fact(page, "retries").count(), 0, "no retries listed: the first attempt worked");
    const metadata = await page.locator('#result table[data-key="metadata"] tbody tr').allInnerTexts();
    assert.deepEqual(metadata.map((r) => r.split("\t")), [["team", "data"], ["trigger", "schedule"]]);
    assert.match(await page.locator("#status").innerText(), /Retried: nightly-ingest is now RUNNING/);
    // Raw JSON behind a <details> toggle.
    assert.equal(await page.locator("#result details.raw pre").isVisible(), false);
    await page.click("#result details.raw summary");
    const raw = JSON.parse(await page.locator("#result details.raw pre").innerText());
    assert.equal(raw.status, "RUNNING");
    assert.equal(raw.id, IDS.failed);
    await page.click("#result details.raw summary");
    // Idle again; the mock saw one session and one retry; the list shows the new status.
    assert.equal(await page.isEnabled("#retry"), true);
    assert.equal(await page.isDisabled("#cancel"), true);
    const log = await mockLog(demo, project);
    assert.deepEqual(log.map((r) => [r.op, r.status]), [["sessions", 200], ["retry", 200]]);
    assert.equal(log[1].headers["x-cdp-app"], "cdf-workflow-retry demo");
    await until(async () => (await page.locator("#seeded option").allInnerTexts()).some((o) => o.startsWith("nightly-ingest · RUNNING · 11111111")), { what: "the refreshed list" });
    await shot(page, "2-success.png");
    await assertClean(session);
  });

  it("lists the module's retries (onRetry) with their request ids, and leaves fetch alone", async () => {
    const project = uniqueProject("onretry");
    const session = await open({ project });
    const { page } = session;
    assert.equal(await page.evaluate(() => /\[native code\]/.test(Function.prototype.toString.call(fetch))), true, "the page does not patch fetch");
    await script(demo, project, { on: "retry", status: 503, headers: { "retry-after": "0" }, requestId: "mock-busy-1" });
    await page.selectOption("#seeded", IDS.failed);
    await page.click("#retry");
    await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
    const log = await mockLog(demo, project);
    assert.deepEqual(log.map((r) => [r.op, r.status]), [["sessions", 200], ["retry", 503], ["sessions", 200], ["retry", 200]]);
    const retries = await page.locator('#result [data-key="retries"] li').allInnerTexts();
    assert.deepEqual(retries, ["Request 2 (retryExecution) got HTTP 503 (request id mock-busy-1); waited 0 ms and created a new session."]);
    await assertClean(session);
  });

  it("(b) shows the API error of a COMPLETED execution: status 400 and its request id (screenshot: error)", async () => {
    const project = uniqueProject("api");
    const session = await open({ project });
    const { page } = session;
    await page.selectOption("#seeded", IDS.completed);
    const answer = page.waitForResponse((r) => r.url().endsWith(`/executions/${IDS.completed}/retry`));
    await page.click("#retry");
    const card = page.locator('#result [data-kind="api"]');
    await card.waitFor({ timeout: 10_000 });
    const requestId = (await answer).headers()["x-request-id"];
    assert.match(requestId, /^mock-\d+-[0-9a-f]+$/);
    assert.equal(await fact(page, "status").innerText(), "400");
    assert.equal(await fact(page, "requestId").innerText(), requestId);
    assert.equal(await fact(page, "kind").innerText(), "api");
    assert.match(await fact(page, "retryable").innerText(), /^No/);
    assert.match(await fact(page, "operation").innerText(), /retrying the execution/);
    assert.match(await card.locator("h3").innerText(), /HTTP 400/);
    assert.match(await card.locator('[data-key="message"]').innerText(), /is COMPLETED and cannot be retried/);
    assert.match(await card.innerText(), /Only FAILED, TIMED_OUT or TERMINATED executions can be retried/);
    assert.match(await page.locator("#status").innerText(), /Failed: CDF answered HTTP 400/);
    assert.equal(await page.locator("[aria-invalid=true]").count(), 0, "no field is blamed for an API error");
    await shot(page, "3-error.png");
    await assertClean(session);
  });

  it("(c) a malformed execution id is highlighted and focused, and nothing is sent", async () => {
    const project = uniqueProject("bad");
    const session = await open({ project });
    const { page } = session;
    await page.fill("#executionId", "not-a-uuid");
    await page.click("#retry");
    await page.locator('#result [data-kind="invalid_input"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.getAttribute("#executionId", "aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "executionId", "the field has the focus");
    assert.match(await page.locator("#executionId-error").innerText(), /executionId.*UUID/);
    assert.equal(await page.locator("#executionId-error").isVisible(), true);
    // The module writes plain sentences, names in double quotes; the page never shows a backtick.
    const message = page.locator('#result [data-key="message"]');
    assert.match(await message.innerText(), /^Invalid option "executionId": it must be a UUID/);
    for (const text of [await message.innerText(), await page.locator("#executionId-error").innerText(), await page.locator("#status").textContent()]) {
      assert.ok(!text.includes("`"), `no backtick shown: ${text}`);
    }
    assert.equal(await fact(page, "field").innerText(), "executionId");
    assert.equal(await fact(page, "attempts").innerText(), "0");
    assert.match(await page.locator("#result h3").innerText(), /Check the execution id/);
    assert.deepEqual(await mockLog(demo, project), [], "no request reached the mock");
    assert.equal(await page.locator("[aria-invalid=true]").count(), 1, "only that field");
    await shot(page, "4-invalid-input.png");
    // Typing clears the mark.
    await page.keyboard.type("x");
    assert.equal(await page.getAttribute("#executionId", "aria-invalid"), null);
    assert.equal(await page.locator("#executionId-error").isHidden(), true);
    await assertClean(session);
  });

  it("(c') other invalid fields are highlighted too: project, base URL, timeout, token", async () => {
    const session = await open();
    const { page } = session;
    await page.fill("#executionId", IDS.failed);
    const cases = [
      ["#project", "-bad-", "project"],
      ["#baseUrl", "ftp://example.com", "baseUrl"],
      ["#timeoutMs", "soon", "timeoutMs"],
      ["#token", "has spaces inside", "token"],
    ];
    for (const [selector, value, field] of cases) {
      const before = await page.inputValue(selector);
      await page.fill(selector, value);
      await page.click("#retry");
      await page.locator(`#${field}[aria-invalid=true]`).waitFor({ timeout: 5000 });
      assert.equal(await page.evaluate(() => document.activeElement?.id), field, `${field} is focused`);
      assert.equal(await fact(page, "field").innerText(), field);
      await page.fill(selector, before);
    }
    // Cluster mode with an empty cluster names the cluster field.
    await page.check("#target-cluster");
    assert.equal(await page.locator("#cluster").isVisible(), true);
    assert.equal(await page.locator("#baseUrl").isHidden(), true);
    await page.click("#retry");
    await page.locator("#cluster[aria-invalid=true]").waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => document.activeElement?.id), "cluster");
    await assertClean(session, "has spaces inside");
  });

  it("(d) Cancel during a slow answer aborts the call: \"aborted\"", async () => {
    const project = uniqueProject("cancel");
    const session = await open({ project });
    const { page } = session;
    await script(demo, project, { on: "retry", delayMs: 10_000 });
    await page.selectOption("#seeded", IDS.failed2);
    const started = Date.now();
    await page.click("#retry");
    // Busy while waiting: Retry disabled, Cancel enabled and focused.
    await until(async () => (await mockLog(demo, project)).some((r) => r.op === "retry"), { what: "the retry request at the mock" });
    assert.equal(await page.isDisabled("#retry"), true);
    assert.equal(await page.isEnabled("#cancel"), true);
    assert.equal(await page.getAttribute("#retry-form", "aria-busy"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "cancel");
    await page.click("#cancel");
    const card = page.locator('#result [data-kind="aborted"]');
    await card.waitFor({ timeout: 5000 });
    assert.ok(Date.now() - started < 8000, "aborted at once, not after the 10 s answer");
    assert.equal(await fact(page, "kind").innerText(), "aborted");
    assert.match(await card.innerText(), /aborted/i);
    assert.doesNotMatch(await card.innerText(), /fail the same way/, "a cancelled call is not one that will fail again");
    assert.match(await fact(page, "retryable").innerText(), /^You cancelled this call/);
    assert.match(await page.locator("#status").innerText(), /Cancelled \(aborted\)/);
    assert.equal(await page.isEnabled("#retry"), true);
    assert.equal(await page.isDisabled("#cancel"), true);
    assert.equal(await page.getAttribute("#retry-form", "aria-busy"), "false");
    const { items } = await control(demo, `/_mock/executions?project=${project}`);
    assert.equal(items.find((x) => x.id === IDS.failed2).status, "FAILED", "the abandoned retry was not processed");
    await assertClean(session);
  });

  it("Escape cancels too, and the page works again afterwards", async () => {
    const project = uniqueProject("esc");
    const session = await open({ project });
    const { page } = session;
    await script(demo, project, { on: "retry", delayMs: 10_000 });
    await page.selectOption("#seeded", IDS.failed3);
    await page.click("#retry");
    await until(async () => (await mockLog(demo, project)).some((r) => r.op === "retry"), { what: "the retry request" });
    await page.keyboard.press("Escape");
    await page.locator('#result [data-kind="aborted"]').waitFor({ timeout: 5000 });
    // The next call works (the script queue is empty now).
    await page.click("#retry");
    await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
    await assertClean(session);
  });

  it("is usable with the keyboard alone, with a visible focus", async () => {
    const project = uniqueProject("kbd");
    const session = await open();
    const { page } = session;
    await page.focus("#project");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(project);
    // Tab to the execution id (token, remember, execution id), type, Enter submits.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "token");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "remember");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "executionId");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.equal(outline, "solid", "keyboard focus is visible");
    await page.keyboard.type(IDS.timedOut);
    await page.keyboard.press("Enter");
    await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.id), "retry", "focus back on Retry");
    assert.deepEqual((await mockLog(demo, project)).map((r) => r.op), ["sessions", "retry"]);
    await assertClean(session);
  });

  it("the skip link lands on the form: the next Tab is its first control", async () => {
    const session = await open();
    const { page } = session;
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.className), "skip-link", "the skip link comes first");
    assert.equal(await page.locator(".skip-link").isVisible(), true, "and shows when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "retry-form", "the form has the focus");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.closest("form")?.id), "retry-form", "then its first control");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "target-baseUrl", "the endpoint choice (base URL, as the mock set it)");
    await assertClean(session);
  });

  it("a .wasm that cannot be loaded: the page is ready, the retry explains it, and the next retry loads it", async () => {
    let missing = true;
    const route = (page) =>
      page.route("**/pkg/cdf_workflow_retry_bg.wasm", (r) => (missing ? r.fulfill({ status: 404, contentType: "text/plain", body: "gone" }) : r.fallback()));
    const project = uniqueProject("nowasm");
    const session = await open({ project, route });
    const { page } = session;
    await page.selectOption("#seeded", IDS.failed);
    await page.click("#retry");
    const card = page.locator('#result [data-kind="network"]');
    await card.waitFor({ timeout: 10_000 });
    assert.match(await page.locator("#result h3").innerText(), /The WebAssembly module did not load/);
    assert.match(await card.innerText(), /cdf_workflow_retry_bg\.wasm answered HTTP 404/);
    assert.equal(await fact(page, "attempts").innerText(), "0");
    assert.equal(await fact(page, "operation").count(), 0, "no request was made");
    assert.deepEqual(await mockLog(demo, project), [], "nothing reached the mock");
    missing = false;
    await page.click("#retry");
    await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
    await assertClean(session);
  });

  it("remembers the token only when asked, in sessionStorage only", async () => {
    const session = await open();
    const { page } = session;
    const token = "test-token-remember-me";
    await page.fill("#token", token);
    await page.fill("#executionId", IDS.failed);
    await page.click("#retry");
    await page.locator("#result .result").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, "not stored without the tick");
    await page.check("#remember");
    const stored = await page.evaluate(() => Object.values(sessionStorage));
    assert.deepEqual(stored, [token]);
    const { local } = await exposedState(page);
    assert.ok(!local.includes(token), "never in localStorage");
    await page.reload();
    await page.waitForSelector("html[data-state=ready]");
    assert.equal(await page.inputValue("#token"), token, "restored in this tab, not replaced by the demo token");
    assert.equal(await page.isChecked("#remember"), true);
    await page.uncheck("#remember");
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, "forgotten when unticked");
    const { html } = await exposedState(page);
    assert.ok(!html.includes(token));
    assert.deepEqual(session.problems, []);
  });

  it("explains a refused token (401), missing access (403) and an unreachable server (network)", async () => {
    const project = uniqueProject("auth");
    const session = await open({ project });
    const { page } = session;
    await page.fill("#token", "wrong-token");
    await page.fill("#executionId", IDS.failed);
    await page.click("#retry");
    const card = page.locator('#result [data-kind="api"]');
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await fact(page, "status").innerText(), "401");
    assert.match(await card.innerText(), /token is missing, expired or not valid/);
    assert.match(await fact(page, "operation").innerText(), /creating the session/);
    assert.match(await fact(page, "requestId").innerText(), /^mock-/);
    // The token is what to fix: the focus goes to its field, marked and explained.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "token", "the token field has the focus");
    assert.equal(await page.getAttribute("#token", "aria-invalid"), "true");
    assert.match(await page.locator("#token-error").innerText(), /HTTP 401/);

    await page.fill("#token", DEMO_TOKEN);
    await script(demo, project, { on: "sessions", status: 403, body: { error: { code: 403, message: "Resource not available" } } });
    await page.click("#retry");
    await page.locator('#result [data-kind="api"] [data-key="status"]').filter({ hasText: "403" }).waitFor({ timeout: 10_000 });
    assert.match(await page.locator("#result").innerText(), /sessionsAcl:CREATE/);

    await page.fill("#baseUrl", `http://127.0.0.1:${await closedPort()}`); // nothing listens there
    await page.fill("#timeoutMs", "3000");
    await page.click("#retry");
    const network = page.locator('#result [data-kind="network"], #result [data-kind="timeout"]');
    await network.waitFor({ timeout: 15_000 });
    assert.match(await network.innerText(), /CORS|deadline/);
    assert.match(await fact(page, "retryable").innerText(), /^Yes/);
    // Chromium reports the refused connection as a console error: drop exactly that one.
    session.problems = session.problems.filter((p) => !/ERR_CONNECTION_REFUSED/.test(p));
    await assertClean(session);
  });

  it("without the mock: cluster mode, empty token, and a cluster host is reachable under the CSP", async () => {
    const cluster = "westeurope-1";
    const origin = `https://${cluster}.cognitedata.com`;
    const seen = [];
    let sessions = 0;
    let retries = 0;
    const route = async (page) => {
      // As if the page were hosted somewhere without the mock.
      await page.route("**/_mock/executions*", (r) => r.fulfill({ status: 404, contentType: "text/plain", body: "not here" }));
      // A stand-in for CDF at the cluster host (the machine has no route to the real one).
      await page.route(`${origin}/**`, async (r) => {
        const req = r.request();
        const cors = {
          "access-control-allow-origin": "*",
          "access-control-allow-headers": "authorization, content-type, accept, x-cdp-sdk, x-cdp-app",
          "access-control-allow-methods": "POST, OPTIONS",
          "access-control-expose-headers": "x-request-id, retry-after",
        };
        if (req.method() === "OPTIONS") return r.fulfill({ status: 204, headers: cors });
        seen.push(`${req.method()} ${new URL(req.url()).pathname} ${req.headers().authorization === "Bearer real-looking-token"}`);
        if (req.url().endsWith("/sessions")) {
          sessions += 1;
          return r.fulfill({ status: 200, headers: { ...cors, "x-request-id": `r-${sessions}` }, contentType: "application/json",
            body: JSON.stringify({ items: [{ id: sessions, type: "TOKEN_EXCHANGE", status: "READY", nonce: `n0nce-${sessions}` }] }) });
        }
        // The first retry meets a busy cluster (503), the module retries with a new session.
        retries += 1;
        if (retries === 1) {
          return r.fulfill({ status: 503, headers: { ...cors, "x-request-id": "cluster-req-41", "retry-after": "0" },
            contentType: "application/json", body: JSON.stringify({ error: { code: 503, message: "Service unavailable" } }) });
        }
        return r.fulfill({ status: 200, headers: { ...cors, "x-request-id": "cluster-req-42" }, contentType: "application/json",
          body: JSON.stringify({
            id: IDS.failed, workflowExternalId: "wf", status: "RUNNING", engineExecutionId: IDS.completed,
            createdTime: 0, startTime: 1, metadata: { a: "b" },
          }) });
      });
    };
    const session = await open({ route });
    const { page } = session;
    assert.equal(await page.isChecked("#target-cluster"), true, "cluster mode when no mock answers");
    assert.equal(await page.inputValue("#token"), "", "no token pre-filled without the mock");
    assert.equal(await page.inputValue("#baseUrl"), "", "no base URL pre-filled");
    assert.equal(await page.locator("#mock-note").isHidden(), true);
    assert.equal(await page.locator("#seeded-field").isHidden(), true);
    await page.fill("#cluster", cluster);
    assert.equal(await page.locator("#cluster-host").innerText(), origin);
    await page.fill("#project", "my-project");
    await page.fill("#token", "real-looking-token");
    await page.fill("#executionId", IDS.failed);
    await page.click("#retry");
    await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(seen, [
      "POST /api/v1/projects/my-project/sessions true",
      `POST /api/v1/projects/my-project/workflows/executions/${IDS.failed}/retry true`,
      "POST /api/v1/projects/my-project/sessions true",
      `POST /api/v1/projects/my-project/workflows/executions/${IDS.failed}/retry true`,
    ]);
    // The busy answer's request id reached the page (CORS exposes it), through onRetry.
    assert.match(await fact(page, "retries").innerText(), /HTTP 503 \(request id cluster-req-41\)/);
    session.problems = session.problems.filter((p) => !/status of (404|503)/.test(p));
    await assertClean(session, "real-looking-token");
  });

  it("fits a 360 px phone screen", async () => {
    const project = uniqueProject("phone");
    const session = await open({ project, viewport: { width: 360, height: 740 } });
    const { page } = session;
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await width()) <= 360, `no horizontal scrolling (scrollWidth ${await width()})`);
    await page.selectOption("#seeded", IDS.completed);
    await page.click("#retry");
    await page.locator('#result [data-kind="api"]').waitFor({ timeout: 10_000 });
    assert.ok((await width()) <= 360, "the error card fits");
    await until(() => page.locator("#result .result").evaluate((el) => {
      const box = el.getBoundingClientRect();
      return box.top >= 0 && box.top < window.innerHeight;
    }), { what: "the result scrolled into view" });
    await page.selectOption("#seeded", IDS.failed);
    await page.click("#retry");
    await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
    assert.ok((await width()) <= 360, "the result card fits");
    await shot(page, "5-phone-success.png");
    await assertClean(session);
  });

  it("(e) wrote the screenshots (empty form, success, error) to a temp folder", (t) => {
    const dir = screenshotDir();
    for (const name of ["1-empty-form.png", "2-success.png", "3-error.png", "4-invalid-input.png", "5-phone-success.png"]) {
      const bytes = readFileSync(join(dir, name));
      assert.ok(bytes.length > 5000, `${name} is a real picture`);
      assert.equal(bytes.subarray(1, 4).toString(), "PNG", `${name} is a PNG`);
    }
    t.diagnostic(`screenshots: ${dir}`);
  });
});
