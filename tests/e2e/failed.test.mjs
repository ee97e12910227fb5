// End-to-end tests of the demo page's "Failed executions" view (www/failed.js) in Debian's
// Chromium, against `startDemo` with the mock CDF server (retried executions end after 400 ms
// here, 5 s under `npm start`). axe-core (npm) checks every state; each state is pictured
// (UPDATE_DOCS_SCREENSHOTS=1 also writes the pictures to docs/). Needs a built pkg/.
//
//   node --test --test-concurrency=1 tests/e2e/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT, WWW_DIR, startDemo } from "../../scripts/start.mjs";
import {
  DEMO_TOKEN, DOCS_DIR, IDS, axeViolations, checkPrerequisites, control, docShot, exposedState, launchBrowser, mockLog,
  openDemo, pngSize, script, uniqueProject, until,
} from "./helpers.mjs";

const RETRYABLE = ["FAILED", "TIMED_OUT", "TERMINATED"];
/** The states the README pictures, in docs/. */
const DOC_SHOTS = [
  "failed-1-list.png",
  "failed-2-filtered.png",
  "failed-3-progress.png",
  "failed-4-followed.png",
  "failed-5-tasks.png",
  "failed-6-cancelled.png",
  "failed-7-expired-token.png",
  "failed-8-phone.png",
];

let demo;
let browser;
let lib; // the package as Node users import it, to know what the page should show
const opened = [];

before(async () => {
  checkPrerequisites();
  demo = await startDemo({ port: 0, mock: { retryOutcomeDelayMs: 400 } });
  browser = await launchBrowser();
  lib = await import(join(ROOT, "pkg", "node.js"));
});

after(async () => {
  for (const { context } of opened) await context.close().catch(() => {});
  await browser?.close();
  await demo?.close();
});

async function open(options) {
  const session = await openDemo(browser, demo, options);
  opened.push(session);
  return session;
}

/** Opens the page on `project` and lists its failed executions with the default filters. */
async function openListed(options) {
  const session = await open(options);
  await session.page.click("#failed-load");
  await session.page.locator("#failed-rows tr").first().waitFor({ timeout: 10_000 });
  return session;
}

/** The mock's executions of `project` now (id, workflow, status, createdTime, failsAgain…). */
async function mockExecutions(project) {
  return (await control(demo, `/_mock/projects/${project}/executions`)).items;
}
const retryableOf = (items) => items.filter((x) => RETRYABLE.includes(x.status));

/** What the table shows: one `{ id, status, state, result, checked, disabled }` per row, in order. */
function tableRows(page) {
  return page.$$eval("#failed-rows tr", (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.id,
      status: tr.dataset.status,
      badge: tr.querySelector(".status-cell .badge")?.textContent,
      state: tr.dataset.state ?? null,
      result: tr.querySelector(".result-cell").textContent,
      checked: tr.querySelector("input.select").checked,
      disabled: tr.querySelector("input.select").disabled,
    })),
  );
}

const row = (page, id) => page.locator(`#failed-rows tr[data-id="${id}"]`);
const focusedId = (page) => page.evaluate(() => document.activeElement?.id);

async function assertAccessible(page, state) {
  assert.deepEqual(await axeViolations(page), [], `axe-core finds no violation (${state})`);
}

/** Nothing went wrong in the page, and the token showed up in no element, text, log or storage. */
async function assertClean({ page, problems, messages }, token = DEMO_TOKEN) {
  assert.deepEqual(problems, [], "no page errors, unexpected console errors or CSP refusals");
  for (const line of messages) assert.ok(!line.includes(token), `the token is never logged: ${line}`);
  const state = await exposedState(page);
  assert.ok(!state.html.includes(token), "the token is in no element or attribute");
  assert.ok(!state.text.includes(token), "the token is in no visible text");
  assert.ok(!state.local.includes(token) && !state.session.includes(token), "the token is not stored");
}

/** The outcome of a retry in the mock: `{ id: outcome }` (see tests/mock/README.md, Outcomes). */
function setOutcomes(project, outcomes) {
  return control(demo, `/_mock/projects/${project}/outcomes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(outcomes),
  });
}

describe("demo page: failed executions", () => {
  it("keeps the strict CSP: its scripts inject no HTML and log nothing", () => {
    const html = readFileSync(join(WWW_DIR, "index.html"), "utf8");
    assert.match(html, /script-src 'self' 'wasm-unsafe-eval'; style-src 'self';/, "the same CSP");
    assert.ok(!/\sstyle=/i.test(html) && !/\son[a-z]+=/i.test(html), "no inline style or handler");
    for (const file of ["failed.js", "failed-view.js", "connection.js"]) {
      const text = readFileSync(join(WWW_DIR, file), "utf8");
      assert.ok(!/\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write/.test(text), `${file}: no HTML injection`);
      assert.ok(!/console\.(log|info|debug|warn|error)/.test(text), `${file}: logs nothing`);
      assert.ok(!/\.style\.|setAttribute\("style"/.test(text), `${file}: no inline style (style-src 'self')`);
    }
    const failed = readFileSync(join(WWW_DIR, "failed.js"), "utf8");
    for (const call of ["listExecutions", "retryExecutions", "waitForExecution", "getExecution"]) {
      assert.ok(failed.includes(`lib.${call}(`), `failed.js calls ${call} from the package`);
    }
  });

  it("lists the mock's failed executions at once, then by workflow, status and creation time (screenshots: list, filtered)", async () => {
    // With the mock detected, the view lists demo-project's executions by itself.
    const session = await open();
    const { page } = session;
    await page.locator("#failed-rows tr").first().waitFor({ timeout: 10_000 });
    const expected = retryableOf(await mockExecutions("demo-project"));
    assert.ok(expected.length >= 15, `the mock seeds a spread of failed executions (${expected.length})`);
    let rows = await tableRows(page);
    assert.deepEqual(rows.map((r) => r.id), expected.map((x) => x.id), "every FAILED, TIMED_OUT and TERMINATED one, newest first");
    assert.deepEqual(rows.map((r) => r.badge), expected.map((x) => x.status), "with its status");
    assert.ok(new Set(expected.map((x) => x.workflowExternalId)).size >= 4, "across several workflows");
    assert.match(await page.locator("#failed-status").innerText(), new RegExp(`^${expected.length} executions listed`));
    assert.equal(await page.locator("#select-all-label").innerText(), `Select all (${expected.length})`);
    assert.equal(await page.isDisabled("#retry-selected"), true, "nothing selected yet");
    assert.equal(await page.isDisabled("#failed-cancel"), true);
    const first = row(page, expected[0].id);
    assert.equal(await first.locator("time").getAttribute("datetime"), new Date(expected[0].createdTime).toISOString());
    assert.match(await first.locator(".workflow-cell").innerText(), new RegExp(expected[0].workflowExternalId));
    await assertAccessible(page, "the list");
    await docShot(page, "failed-1-list.png", { element: page.locator("#failed-view") });

    // A project of its own: the list empties when the project changes, and is read again on demand.
    const project = uniqueProject("filters");
    await page.fill("#project", project);
    await page.dispatchEvent("#project", "change");
    assert.equal(await page.locator("#failed-list").isHidden(), true, "the old project's rows are gone");
    assert.match(await page.locator("#failed-status").innerText(), /connection changed/);
    const all = await mockExecutions(project);

    // Workflow.
    await page.fill("#filter-workflow", "nightly-ingest");
    await page.click("#failed-load");
    await until(async () => (await mockLog(demo, project)).some((r) => r.op === "list"), { what: "the list request" });
    await page.locator("#failed-status", { hasText: "workflow nightly-ingest" }).waitFor();
    rows = await tableRows(page);
    const nightly = retryableOf(all).filter((x) => x.workflowExternalId === "nightly-ingest");
    assert.deepEqual(rows.map((r) => r.id), nightly.map((x) => x.id));
    let body = JSON.parse((await mockLog(demo, project)).at(-1).body);
    assert.deepEqual(body.filter, { workflowFilters: [{ externalId: "nightly-ingest" }], status: RETRYABLE });
    assert.equal(body.limit, 1000);

    // Status: TIMED_OUT only, every workflow.
    await page.fill("#filter-workflow", "");
    await page.uncheck('#filter-status input[value="FAILED"]');
    await page.uncheck('#filter-status input[value="TERMINATED"]');
    await page.click("#failed-load");
    await page.locator("#failed-status", { hasText: "(TIMED_OUT;" }).waitFor();
    rows = await tableRows(page);
    assert.deepEqual(rows.map((r) => r.id), all.filter((x) => x.status === "TIMED_OUT").map((x) => x.id));
    assert.ok(rows.length >= 2 && rows.every((r) => r.badge === "TIMED_OUT"));

    // Created since: the last 7 days, the three statuses again.
    await page.check('#filter-status input[value="FAILED"]');
    await page.check('#filter-status input[value="TERMINATED"]');
    await page.selectOption("#filter-since", { label: "the last 7 days" });
    const clicked = Date.now();
    await page.click("#failed-load");
    await page.locator("#failed-status", { hasText: "created in the last 7 days" }).waitFor();
    rows = await tableRows(page);
    const recent = retryableOf(all).filter((x) => x.createdTime >= clicked - 7 * 24 * 3600 * 1000);
    assert.ok(recent.length > 0 && recent.length < retryableOf(all).length, "the filter keeps some, not all");
    assert.deepEqual(rows.map((r) => r.id), recent.map((x) => x.id));
    body = JSON.parse((await mockLog(demo, project)).at(-1).body);
    assert.ok(Math.abs(body.filter.createdTimeStart - (clicked - 7 * 24 * 3600 * 1000)) < 5000, "createdTimeStart is 7 days back");
    assert.equal((await mockLog(demo, project)).at(-1).headers["x-cdp-app"], "cdf-workflow-retry demo");
    // The workflow field suggests the workflows seen so far.
    const suggestions = await page.$$eval("#filter-workflow-list option", (os) => os.map((o) => o.value));
    assert.ok(suggestions.includes("nightly-ingest") && suggestions.includes("hourly-sync"), suggestions.join());
    await assertAccessible(page, "a filtered list");
    await docShot(page, "failed-2-filtered.png", { element: page.locator("#failed-view") });

    // A filter that matches nothing says so.
    await page.fill("#filter-workflow", "no-such-workflow");
    await page.click("#failed-load");
    await page.locator("#failed-status", { hasText: "No execution matches" }).waitFor();
    assert.equal(await page.locator("#failed-list").isHidden(), true);
    await assertAccessible(page, "no match");
    await assertClean(session);
  });

  it("checks the filters: no status, or a workflow id the module refuses, marks the field and sends nothing", async () => {
    const project = uniqueProject("badfilter");
    const session = await open({ project });
    const { page } = session;
    for (const box of await page.locator('#filter-status input[type="checkbox"]').all()) await box.uncheck();
    await page.click("#failed-load");
    assert.equal(await page.locator("#filter-status-error").innerText(), "Choose at least one status.");
    assert.equal(await page.evaluate(() => document.activeElement?.value), "FAILED", "the focus on the first status");
    assert.equal(await page.getAttribute('#filter-status input[value="FAILED"]', "aria-invalid"), "true");
    await assertAccessible(page, "no status chosen");
    await page.check('#filter-status input[value="FAILED"]');
    assert.equal(await page.locator("#filter-status-error").isHidden(), true, "choosing one clears the message");
    await page.fill("#filter-workflow", "w".repeat(256));
    await page.click("#failed-load");
    await page.locator("#filter-workflow[aria-invalid=true]").waitFor();
    assert.equal(await focusedId(page), "filter-workflow");
    assert.match(await page.locator("#filter-workflow-error").innerText(), /workflows\[0\].*1 to 255 characters/);
    assert.match(await page.locator("#failed-error").innerText(), /Check the workflows\[0\]|invalid_input/);
    assert.deepEqual(await mockLog(demo, project), [], "nothing reached the mock");
    await assertAccessible(page, "a refused workflow id");
    await assertClean(session);
  });

  it("selects all and retries them in one go: progress bar, a result per row, then each one followed to COMPLETED or FAILED (screenshots: progress, followed)", async () => {
    const project = uniqueProject("bulk");
    const session = await openListed({ project });
    const { page } = session;
    const expected = retryableOf(await mockExecutions(project));
    const n = expected.length;
    // Slow retries (400 ms each, 4 at a time), so the progress can be seen.
    await script(demo, project, { on: "retry", delayMs: 400, times: 1000 });
    await page.evaluate(() => {
      window.progressSeen = [];
      const label = document.getElementById("batch-label");
      new MutationObserver(() => window.progressSeen.push(label.textContent)).observe(label, { childList: true, characterData: true, subtree: true });
    });

    await page.check("#select-all");
    assert.ok((await tableRows(page)).every((r) => r.checked), "every row selected");
    assert.equal(await page.locator("#retry-selected").innerText(), `Retry selected (${n})`);
    await page.click("#retry-selected");

    // Mid-batch: some done, some waiting; the keyboard on Cancel.
    await page.waitForFunction(() => Number(document.getElementById("batch-progress").value) >= 4);
    assert.equal(await page.getAttribute("#batch-progress", "max"), String(n));
    const mid = await tableRows(page);
    assert.ok(mid.some((r) => r.state === "queued"), "some still wait for their retry");
    assert.ok(mid.some((r) => r.state === "following" || r.state === "ended"), "some are retried");
    assert.equal(await focusedId(page), "failed-cancel", "the focus moved from Retry to Cancel");
    assert.equal(await page.locator("#failed-cancel").innerText(), "Cancel");
    assert.equal(await page.isDisabled("#retry-selected"), true);
    assert.equal(await page.getAttribute("#failed-view", "aria-busy"), "true");
    assert.match(await page.locator("#failed-status").innerText(), new RegExp(`Retrying ${n} executions, 4 at a time`));
    await assertAccessible(page, "mid-batch");
    await docShot(page, "failed-3-progress.png", { element: page.locator("#failed-view") });

    // Every row ends: retried, followed (waitForExecution) until COMPLETED or FAILED again.
    await page.waitForFunction((count) => document.querySelectorAll('#failed-rows tr[data-state="ended"]').length === count, n, { timeout: 30_000 });
    await page.locator("#failed-cancel:disabled").waitFor();
    const seen = await page.evaluate(() => window.progressSeen);
    const counts = seen.map((text) => Number(text.match(/(\d+) of/)?.[1]));
    assert.ok(counts.every((c, i) => i === 0 || c >= counts[i - 1]), `the bar only moves forward: ${seen.join(" | ")}`);
    assert.ok(counts.filter((c) => c > 0 && c < n).length >= 3, `it showed intermediate counts: ${seen.join(" | ")}`);
    assert.equal(await page.locator("#batch-label").innerText(), `Done: ${n} of ${n}`);
    assert.equal(await page.evaluate(() => document.getElementById("batch-progress").value), n);

    const final = await tableRows(page);
    const failsAgain = expected.filter((x) => x.failsAgain);
    assert.ok(failsAgain.length >= 2 && failsAgain.length < n, "the mock makes some fail again");
    for (const x of expected) {
      const r = final.find((f) => f.id === x.id);
      const status = x.failsAgain ? "FAILED" : "COMPLETED";
      assert.equal(r.badge, status, `${x.workflowExternalId} ${x.id} ended ${status}`);
      if (status === "COMPLETED") {
        assert.equal(r.result, "Retried: completed.");
        assert.equal(r.disabled, true, "a completed one cannot be selected");
      } else {
        const details = await lib.getExecution({ baseUrl: demo.url.slice(0, -1), project, token: DEMO_TOKEN, executionId: x.id });
        assert.equal(r.result, `Retried, ended FAILED again: ${details.reasonForIncompletion}`);
        assert.equal(r.disabled, false, "one that failed again can be selected again");
      }
    }
    assert.equal(await page.locator("#select-all-label").innerText(), `Select all (${failsAgain.length})`);
    assert.equal(
      await page.locator("#failed-status").innerText(),
      `${n} executions ended: ${n - failsAgain.length} COMPLETED, ${failsAgain.length} FAILED. The ones that failed again can be selected and retried.`,
    );
    assert.equal(await focusedId(page), "select-all", "the keyboard lands on Select all when Cancel is disabled");
    const log = await mockLog(demo, project);
    assert.equal(log.filter((r) => r.op === "retry" && r.status === 200).length, n, "each execution retried once");
    assert.equal(log.filter((r) => r.op === "sessions").length, n, "each with its own session");
    assert.ok(log.filter((r) => r.op === "get").length >= 2 * n, "each polled until it ended");
    const statuses = await mockExecutions(project);
    for (const x of expected) assert.equal(statuses.find((s) => s.id === x.id).status, x.failsAgain ? "FAILED" : "COMPLETED");
    await assertAccessible(page, "all followed to the end");
    await docShot(page, "failed-4-followed.png", { element: page.locator("#failed-view") });
    await assertClean(session);
  });

  it("shows each retried execution live: RUNNING first, then COMPLETED, or FAILED again with its reason", async () => {
    const project = uniqueProject("live");
    const session = await openListed({ project });
    const { page } = session;
    const reason = "Task build-hierarchy failed: the source table was empty";
    await setOutcomes(project, {
      [IDS.failed]: { status: "COMPLETED", delayMs: 1500 },
      [IDS.failed2]: { status: "FAILED", delayMs: 1500, reasonForIncompletion: reason },
    });
    await row(page, IDS.failed).locator("input.select").check();
    await row(page, IDS.failed2).locator("input.select").check();
    assert.equal(await page.locator("#retry-selected").innerText(), "Retry selected (2)");
    assert.equal(await page.locator("#select-all").evaluate((el) => el.indeterminate), true, "select-all shows a partial selection");
    await page.click("#retry-selected");
    for (const id of [IDS.failed, IDS.failed2]) {
      await row(page, id).and(page.locator('[data-state="following"][data-status="RUNNING"]')).waitFor({ timeout: 5000 });
      assert.equal(await row(page, id).locator(".status-cell .badge").innerText(), "RUNNING");
      assert.match(await row(page, id).locator(".result-cell").innerText(), /^Retried; following until it ends/);
    }
    await page.locator("#failed-cancel", { hasText: "Stop following" }).waitFor(); // after the batch, Cancel stops following
    await row(page, IDS.failed).and(page.locator('[data-state="ended"]')).waitFor({ timeout: 10_000 });
    await row(page, IDS.failed2).and(page.locator('[data-state="ended"]')).waitFor({ timeout: 10_000 });
    assert.equal(await row(page, IDS.failed).locator(".status-cell .badge").innerText(), "COMPLETED");
    assert.equal(await row(page, IDS.failed).locator(".result-cell").innerText(), "Retried: completed.");
    assert.equal(await row(page, IDS.failed2).locator(".status-cell .badge").innerText(), "FAILED");
    assert.equal(await row(page, IDS.failed2).locator(".result-cell").innerText(), `Retried, ended FAILED again: ${reason}`);
    assert.match(await page.locator("#failed-status").innerText(), /^2 executions ended: 1 COMPLETED, 1 FAILED\./);
    assert.match(await row(page, IDS.failed).locator(".result-cell").innerText(), /completed/);
    const gets = (await mockLog(demo, project)).filter((r) => r.op === "get");
    assert.ok(gets.length >= 4, `each polled more than once (${gets.length} GETs)`);
    assert.ok(gets.every((r) => r.headers.authorization === `Bearer ${DEMO_TOKEN}` && r.body === ""), "GETs with the token, no body");
    await assertAccessible(page, "live statuses");
    await assertClean(session);
  });

  it("opens an execution's tasks from its row, the failed ones first with their reasons; Escape closes (screenshot: tasks)", async () => {
    const project = uniqueProject("tasks");
    const session = await openListed({ project });
    const { page } = session;
    const details = await lib.getExecution({ baseUrl: demo.url.slice(0, -1), project, token: DEMO_TOKEN, executionId: IDS.failed });
    const failedTask = details.executedTasks.find((t) => t.status === "FAILED");
    assert.ok(details.executedTasks.indexOf(failedTask) > 0, "the failed task is not the first that ran");

    const getsBefore = (await mockLog(demo, project)).filter((r) => r.op === "get").length;
    // Keyboard: the row's Tasks button.
    const button = row(page, IDS.failed).locator(".tasks-button");
    assert.equal(await button.evaluate((b) => b.textContent), `Tasks of nightly-ingest execution 11111111…`, "its name says which execution");
    await button.focus();
    await page.keyboard.press("Enter");
    await page.locator("#tasks-body .tasks-view").waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#tasks-dialog").evaluate((d) => d.open && d.matches(":modal")), true, "a modal dialog");
    assert.equal(await page.locator("#tasks-title").innerText(), "Tasks of nightly-ingest, execution 11111111…");
    assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest("dialog"))), true, "the focus is in the dialog");
    const names = await page.$$eval("#tasks-body li.task", (lis) => lis.map((li) => li.dataset.task));
    const others = details.executedTasks.filter((t) => t !== failedTask).map((t) => t.externalId);
    assert.deepEqual(names, [failedTask.externalId, ...others], "the failed task first, then the others in run order");
    const first = page.locator("#tasks-body li.task").first();
    assert.equal(await first.locator(".reason").innerText(), failedTask.reasonForIncompletion);
    assert.equal(await first.locator(".badge").innerText(), "FAILED");
    assert.match(await page.locator("#tasks-body h4").first().innerText(), /^Failed tasks \(1\)/);
    assert.equal(await page.locator("#tasks-body .tasks-view > .reason").innerText(), details.reasonForIncompletion);
    assert.equal((await mockLog(demo, project)).filter((r) => r.op === "get").length, getsBefore + 1, "one GET (getExecution)");
    await assertAccessible(page, "the task dialog");
    await docShot(page, "failed-5-tasks.png");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#tasks-dialog").evaluate((d) => d.open), false, "Escape closes it");
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("tasks-button") && document.activeElement.closest("tr").dataset.id), IDS.failed, "the focus is back on the row's Tasks button");

    // Mouse: a click anywhere on a row (a TERMINATED one: its cancelled task first).
    await row(page, "33333333-3333-4333-8333-333333333333").locator(".workflow-cell").click();
    await page.locator('#tasks-body .tasks-view[data-id="33333333-3333-4333-8333-333333333333"]').waitFor();
    assert.equal(await page.locator("#tasks-body li.task .badge").first().innerText(), "CANCELED");
    await page.click("#tasks-close");
    assert.equal(await page.locator("#tasks-dialog").evaluate((d) => d.open), false);
    // A click on the checkbox selects; it opens nothing.
    await row(page, IDS.failed2).locator("input.select").click();
    assert.equal(await page.locator("#tasks-dialog").evaluate((d) => d.open), false);
    await assertClean(session);
  });

  it("cancel mid-batch (AbortController): the unfinished ones show as cancelled and were not retried (screenshot: cancelled)", async () => {
    const project = uniqueProject("cancel");
    const session = await openListed({ project });
    const { page } = session;
    const expected = retryableOf(await mockExecutions(project));
    await script(demo, project, { on: "retry", delayMs: 1500, times: 1000 });
    await page.check("#select-all");
    await page.click("#retry-selected");
    await page.waitForFunction(() => Number(document.getElementById("batch-progress").value) >= 4, null, { timeout: 10_000 });
    assert.equal(await focusedId(page), "failed-cancel");
    await page.keyboard.press("Enter"); // Cancel, from the keyboard
    await page.locator("#batch-label", { hasText: "Cancelled" }).waitFor({ timeout: 5000 });
    const rows = await tableRows(page);
    const cancelled = rows.filter((r) => r.state === "cancelled");
    const retried = rows.filter((r) => r.state === "following" || r.state === "ended");
    assert.equal(cancelled.length + retried.length, expected.length, "every row is retried or cancelled");
    assert.ok(retried.length >= 4 && cancelled.length >= expected.length - 8, `${retried.length} retried, ${cancelled.length} cancelled`);
    for (const r of cancelled) {
      assert.equal(r.result, "Cancelled: not retried.");
      assert.ok(RETRYABLE.includes(r.badge), "its status is unchanged");
    }
    assert.equal(
      await page.locator("#batch-label").innerText(),
      `Cancelled: ${retried.length} of ${expected.length} done, ${cancelled.length} not retried`,
    );
    assert.match(await page.locator("#failed-status").innerText(), new RegExp(`^Cancelled\\. ${retried.length} executions retried, ${cancelled.length} not retried\\.`));
    await assertAccessible(page, "cancelled");
    await docShot(page, "failed-6-cancelled.png", { element: page.locator("#failed-view") });
    // The ones retried before the cancel are still followed to their end.
    await page.waitForFunction((count) => document.querySelectorAll('#failed-rows tr[data-state="ended"]').length === count, retried.length, { timeout: 15_000 });
    await page.locator("#failed-cancel:disabled").waitFor();
    for (const r of cancelled) assert.equal(await row(page, r.id).locator("input.select").isDisabled(), false, "a cancelled one can be selected again");
    // After the delayed requests would have been answered: the mock retried none of the cancelled ones.
    await new Promise((r) => setTimeout(r, 1700));
    const now = await mockExecutions(project);
    for (const r of cancelled) assert.equal(now.find((x) => x.id === r.id).status, r.badge, `${r.id} was not retried`);
    assert.equal((await mockLog(demo, project)).filter((r) => r.op === "retry" && r.status === 200).length, retried.length);
    await assertClean(session);
  });

  it("Stop following: executions still RUNNING are no longer polled, and say so", async () => {
    const project = uniqueProject("stop");
    const session = await openListed({ project });
    const { page } = session;
    await setOutcomes(project, { [IDS.failed]: "RUNNING", [IDS.timedOut]: "RUNNING" });
    await row(page, IDS.failed).locator("input.select").check();
    await row(page, IDS.timedOut).locator("input.select").check();
    await page.click("#retry-selected");
    await page.locator("#failed-cancel", { hasText: "Stop following" }).waitFor({ timeout: 5000 });
    await page.locator('#failed-rows tr[data-state="following"]').nth(1).waitFor();
    await page.click("#failed-cancel");
    await page.locator('#failed-rows tr[data-state="stopped"]').nth(1).waitFor({ timeout: 5000 });
    for (const id of [IDS.failed, IDS.timedOut]) {
      assert.equal(await row(page, id).locator(".result-cell").innerText(), "Retried; no longer followed while RUNNING (you stopped it).");
      assert.equal(await row(page, id).locator("input.select").isDisabled(), true, "RUNNING: not selectable");
    }
    assert.equal(await page.isDisabled("#failed-cancel"), true);
    assert.match(await page.locator("#failed-status").innerText(), /2 executions no longer followed/);
    const gets = (await mockLog(demo, project)).filter((r) => r.op === "get").length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await mockLog(demo, project)).filter((r) => r.op === "get").length, gets, "no more polls");
    await assertAccessible(page, "stopped following");
    await assertClean(session);
  });

  it("an expired token: a clear message, the token field marked and focused; a fresh token works (screenshot: expired token)", async () => {
    const project = uniqueProject("expired");
    const session = await open({ project });
    const { page } = session;
    const expired = "expired-demo-token";
    await page.fill("#token", expired);
    await page.click("#failed-load");
    const card = page.locator('#failed-error [data-kind="api"]');
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await card.locator("h3").innerText(), "CDF answered HTTP 401 Unauthorized");
    assert.match(await card.innerText(), /The token is missing, expired or not valid for this project: get a fresh one/);
    assert.match(await card.innerText(), /listing the executions/);
    assert.match(await page.locator("#failed-status").innerText(), /^Could not list the executions: CDF answered HTTP 401/);
    assert.equal(await focusedId(page), "token", "the focus is on the token field");
    assert.equal(await page.getAttribute("#token", "aria-invalid"), "true");
    assert.match(await page.locator("#token-error").innerText(), /refused this token \(HTTP 401\).*expired/);
    assert.equal(await page.locator("#failed-list").isHidden(), true, "no rows");
    // The token field is above the view: it is scrolled into sight with the focus.
    assert.equal(await page.locator("#token").evaluate((el) => {
      const box = el.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight;
    }), true, "the token field is in sight");
    await assertAccessible(page, "expired token");
    await docShot(page, "failed-7-expired-token.png", { element: page.locator("#failed-view") });

    // A fresh token lists; then the token expires before the retry: each row says so, the focus goes back to the token.
    await page.fill("#token", DEMO_TOKEN);
    assert.equal(await page.getAttribute("#token", "aria-invalid"), null, "typing clears the mark");
    await page.click("#failed-load");
    await page.locator("#failed-rows tr").first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#failed-error").innerText(), "", "the error is gone");
    await row(page, IDS.failed).locator("input.select").check();
    await row(page, IDS.failed2).locator("input.select").check();
    await page.fill("#token", expired);
    await page.click("#retry-selected");
    await page.locator("#batch-label", { hasText: "Done: 2 of 2" }).waitFor({ timeout: 10_000 });
    for (const id of [IDS.failed, IDS.failed2]) {
      assert.equal(await row(page, id).getAttribute("data-state"), "not-retried");
      assert.match(await row(page, id).locator(".result-cell").innerText(), /^Not retried\. CDF answered HTTP 401 Unauthorized\. .*check the token/);
    }
    await until(async () => (await focusedId(page)) === "token", { what: "the focus on the token field" });
    assert.match(await page.locator("#token-error").innerText(), /HTTP 401/);
    assert.match(await page.locator("#failed-status").innerText(), /^0 executions retried, 2 could not be retried\./);
    await assertAccessible(page, "expired token during a batch");
    await assertClean(session, expired);
  });

  it("is usable with the keyboard alone: Tab to Select all, Space, Tab, Enter retries; visible focus", async () => {
    const project = uniqueProject("kbd");
    const session = await openListed({ project });
    const { page } = session;
    await page.focus("#failed-load");
    // Through the buttons of "Why they failed" (failed-panels.test.mjs tests them) to Select all.
    for (let i = 0; i < 20 && (await focusedId(page)) !== "select-all"; i += 1) {
      await page.keyboard.press("Tab");
      if ((await focusedId(page)) !== "select-all") {
        assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest("#groups"))), true, "between them, only the groups' buttons");
      }
    }
    assert.equal(await focusedId(page), "select-all");
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), "solid", "focus is visible");
    await page.keyboard.press("Space");
    const n = (await tableRows(page)).length;
    assert.equal(await page.locator("#retry-selected").innerText(), `Retry selected (${n})`);
    await page.keyboard.press("Tab");
    assert.equal(await focusedId(page), "retry-selected");
    await page.keyboard.press("Enter");
    await page.locator("#failed-cancel:disabled").waitFor({ timeout: 30_000 });
    await page.waitForFunction((count) => document.querySelectorAll('#failed-rows tr[data-state="ended"]').length === count, n);
    assert.equal(await focusedId(page), "select-all", "the focus is never lost to the page");
    // Tab order through the table: a row's checkbox (one that failed again can be selected), then its Tasks button.
    const again = await page.getAttribute('#failed-rows tr[data-status="FAILED"]', "data-id");
    await page.focus(`#failed-rows tr[data-id="${again}"] input.select`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.closest("tr")?.dataset.id), again);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("tasks-button")), true);
    // The page links to the view; the link moves the focus there.
    await page.click('nav a[href="#failed-view"]');
    assert.equal(await focusedId(page), "failed-view");
    await assertClean(session);
  });

  it("fits a 360 px phone: list, bulk retry and tasks without sideways scrolling (screenshot: phone)", async () => {
    const project = uniqueProject("phone");
    const session = await openListed({ project, viewport: { width: 360, height: 740 } });
    const { page } = session;
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await width()) <= 360, `no horizontal scrolling (scrollWidth ${await width()})`);
    await assertAccessible(page, "phone: list");
    await page.check("#select-all");
    await page.click("#retry-selected");
    await page.waitForFunction(() => document.querySelectorAll('#failed-rows tr[data-state="ended"]').length >= 3, null, { timeout: 20_000 });
    assert.ok((await width()) <= 360, "the results fit");
    const box = await row(page, IDS.failed2).boundingBox();
    assert.ok(box.width <= 360 && box.x >= 0, "a row is a card within the screen");
    await page.locator("#failed-cancel:disabled").waitFor({ timeout: 30_000 });
    await page.locator("#failed-list").evaluate((el) => el.scrollIntoView());
    await assertAccessible(page, "phone: followed");
    await docShot(page, "failed-8-phone.png");
    await row(page, IDS.failed2).locator(".tasks-button").click();
    await page.locator("#tasks-body .tasks-view").waitFor({ timeout: 10_000 });
    const dialog = await page.locator("#tasks-dialog").boundingBox();
    assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= 360, `the dialog fits (${JSON.stringify(dialog)})`);
    assert.ok((await width()) <= 360);
    await assertAccessible(page, "phone: tasks");
    await assertClean(session);
  });

  it("without the mock: asks for the connection, then lists, retries and follows at a cluster host under the CSP", async () => {
    const cluster = "westeurope-1";
    const origin = `https://${cluster}.cognitedata.com`;
    const token = "real-looking-token";
    const id = IDS.failed;
    const seen = [];
    let polls = 0;
    const execution = { id, workflowExternalId: "wf-real", version: "1", engineExecutionId: IDS.completed, createdTime: 1_700_000_000_000, metadata: {} };
    const route = async (page) => {
      await page.route("**/_mock/executions*", (r) => r.fulfill({ status: 404, contentType: "text/plain", body: "not here" }));
      await page.route(`${origin}/**`, async (r) => {
        const req = r.request();
        const cors = {
          "access-control-allow-origin": "*",
          "access-control-allow-headers": "authorization, content-type, accept, x-cdp-sdk, x-cdp-app",
          "access-control-allow-methods": "GET, POST, OPTIONS",
        };
        if (req.method() === "OPTIONS") return r.fulfill({ status: 204, headers: cors });
        const path = new URL(req.url()).pathname;
        seen.push(`${req.method()} ${path} ${req.headers().authorization === `Bearer ${token}`}`);
        const json = (body) => r.fulfill({ status: 200, headers: cors, contentType: "application/json", body: JSON.stringify(body) });
        if (path.endsWith("/executions/list")) return json({ items: [{ ...execution, status: "FAILED", reasonForIncompletion: "Task t1 failed" }] });
        if (path.endsWith("/sessions")) return json({ items: [{ id: 1, type: "TOKEN_EXCHANGE", status: "READY", nonce: "n0nce-1" }] });
        if (path.endsWith("/retry")) return json({ ...execution, status: "RUNNING", startTime: 1_700_000_100_000 });
        polls += 1;
        return json({
          ...execution,
          status: polls < 2 ? "RUNNING" : "COMPLETED",
          workflowDefinition: { hash: "ABC", tasks: [] },
          executedTasks: [],
        });
      });
    };
    const session = await open({ route });
    const { page } = session;
    assert.match(await page.locator("#failed-status").innerText(), /^Fill in where CDF is, the project and an access token/);
    assert.equal(await page.locator("#failed-list").isHidden(), true);
    await page.fill("#cluster", cluster);
    await page.fill("#project", "my-project");
    await page.fill("#token", token);
    await page.click("#failed-load");
    await page.locator("#failed-rows tr").first().waitFor({ timeout: 10_000 });
    await page.check("#select-all");
    await page.click("#retry-selected");
    await row(page, id).and(page.locator('[data-state="ended"]')).waitFor({ timeout: 10_000 });
    assert.equal(await row(page, id).locator(".status-cell .badge").innerText(), "COMPLETED");
    assert.deepEqual(seen.slice(0, 4), [
      "POST /api/v1/projects/my-project/workflows/executions/list true",
      "POST /api/v1/projects/my-project/sessions true",
      `POST /api/v1/projects/my-project/workflows/executions/${id}/retry true`,
      `GET /api/v1/projects/my-project/workflows/executions/${id} true`,
    ]);
    assert.equal(seen.length, 5, "two polls: RUNNING, then COMPLETED");
    session.problems = session.problems.filter((p) => !/status of 404/.test(p));
    await assertClean(session, token);
  });

  it("docs/ holds a picture of each state, as the README shows", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const name of DOC_SHOTS) {
      const bytes = readFileSync(join(DOCS_DIR, name));
      const { width, height } = pngSize(bytes);
      assert.ok(bytes.length > 10_000 && height > 300, `${name} is a real picture (${width}×${height})`);
      assert.ok(readme.includes(`docs/${name}`), `the README shows ${name}`);
    }
    assert.ok(pngSize(readFileSync(join(DOCS_DIR, "failed-8-phone.png"))).width === 360, "the phone picture is 360 px wide");
  });
});
