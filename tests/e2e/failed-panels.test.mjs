// End-to-end tests of the failed-executions view's 0.3 panels (www/failed.js) in Debian's
// Chromium, against `startDemo` with the mock CDF server: "Why they failed" (groupFailures: the
// groups, choosing one, retrying one), Cancel of a RUNNING execution (cancelExecution, with its
// confirmation dialog), and "Trigger runs" (listTriggerRuns). What the page shows is checked
// against the package itself run in Node on the same mock, and against the mock's own state and
// request log. axe-core checks every state; keyboard only; 360 px. Each state is pictured
// (UPDATE_DOCS_SCREENSHOTS=1 also writes the pictures to docs/). Needs a built pkg/.
//
//   node --test --test-concurrency=1 tests/e2e/failed-panels.test.mjs
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
const RUNNING_ID = "55555555-5555-4555-8555-555555555555";
/** How many groups the panel shows before "Show all" (www/failed-view.js GROUPS_SHOWN). */
const GROUPS_SHOWN = 5;
/** The states the README pictures, in docs/. */
const DOC_SHOTS = [
  "failed-9-groups.png",
  "failed-10-group-chosen.png",
  "failed-11-cancel-confirm.png",
  "failed-12-run-cancelled.png",
  "failed-13-cancel-error.png",
  "failed-14-trigger-runs.png",
  "failed-15-trigger-unknown.png",
  "failed-16-phone-panels.png",
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
  for (const name of ["groupFailures", "cancelExecution", "listTriggerRuns"]) {
    assert.equal(typeof lib[name], "function", `pkg/ exports ${name} (0.3): rebuild it with node scripts/build.mjs`);
  }
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

/** Opens the page on `project` and lists its executions (`statuses`: the ones to tick, default the three retryable). */
async function openListed({ statuses = RETRYABLE, ...options } = {}) {
  const session = await open(options);
  const { page } = session;
  for (const status of ["FAILED", "TIMED_OUT", "TERMINATED", "RUNNING"]) {
    await page.setChecked(`#filter-status input[value="${status}"]`, statuses.includes(status));
  }
  await page.click("#failed-load");
  await page.locator("#failed-status", { hasText: "listed" }).waitFor({ timeout: 10_000 });
  return session;
}

const connection = (project) => ({ baseUrl: demo.url.slice(0, -1), project, token: DEMO_TOKEN });

/** What the page should group: the package's own groupFailures over the same list, in Node. */
async function expectedGroups(project) {
  const items = await lib.listExecutions({ ...connection(project), status: RETRYABLE, limit: 1000 });
  return lib.groupFailures(items, { limit: 1000 });
}

/** The mock's executions of `project` now. */
async function mockExecutions(project) {
  return (await control(demo, `/_mock/projects/${project}/executions`)).items;
}

/** What the groups panel shows, one object per group, in order. */
function shownGroups(page) {
  return page.$$eval("#groups-list li.group", (lis) =>
    lis.map((li) => ({
      key: li.dataset.key,
      count: Number(li.dataset.count),
      workflow: li.querySelector("h4").lastChild.textContent,
      statuses: [...li.querySelectorAll(".group-statuses .badge")].map((b) => b.textContent),
      signature: li.querySelector('[data-key="signature"] dd').textContent,
      example: li.querySelector('[data-key="example"] dd').textContent,
      failedTask: li.querySelector('[data-key="failedTask"] dd')?.textContent ?? null,
      pressed: li.querySelector(".group-select").getAttribute("aria-pressed"),
    })),
  );
}

/** The same, from groupFailures' answer (what each item must say). */
const asShown = (g) => ({
  key: JSON.stringify([g.workflowExternalId, g.signature]),
  count: g.count,
  workflow: g.workflowExternalId,
  statuses: Object.entries(g.statuses).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s, n]) => `${n} ${s}`),
  signature: g.signature,
  example: g.example,
  failedTask: g.failedTask ?? null,
});
const withoutPressed = (rows) => rows.map(({ pressed, ...rest }) => rest);

/** The ids of the rows whose checkbox is ticked, lower-case, sorted. */
const checkedIds = (page) =>
  page.$$eval("#failed-rows tr", (trs) => trs.filter((tr) => tr.querySelector("input.select").checked).map((tr) => tr.dataset.id.toLowerCase()).sort());

/** Expands the groups panel when it has more groups than it shows. */
async function showAllGroups(page) {
  const more = page.locator("#groups-more");
  if ((await more.isVisible()) && (await more.getAttribute("aria-expanded")) === "false") await more.click();
}

const row = (page, id) => page.locator(`#failed-rows tr[data-id="${id}"]`);
const group = (page, index) => page.locator("#groups-list li.group").nth(index);
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return { id: el?.id ?? "", cls: el?.className ?? "", text: el?.textContent?.trim() ?? "", row: el?.closest("tr")?.dataset.id ?? null, group: el?.closest("li.group")?.dataset.key ?? null };
  });

/**
 * The focus once a dialog's close event has run (it is dispatched after the dialog closes, and the
 * page moves the focus in it): waits until `check(focused)` holds, then returns what has the focus.
 */
async function focusAfterClose(page, check, what) {
  await until(async () => check(await focused(page)), { timeoutMs: 3000, what: `the focus: ${what}` }).catch(() => {});
  return focused(page);
}

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
}

function setOutcomes(project, outcomes) {
  return control(demo, `/_mock/projects/${project}/outcomes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(outcomes),
  });
}

describe("demo page: why they failed, cancel, trigger runs", () => {
  it("its scripts call the three 0.3 functions of the package, inject no HTML and log nothing", () => {
    const failed = readFileSync(join(WWW_DIR, "failed.js"), "utf8");
    for (const call of ["groupFailures", "cancelExecution", "listTriggerRuns"]) {
      assert.ok(failed.includes(`lib.${call}(`), `failed.js calls ${call} from the package`);
    }
    for (const file of ["failed.js", "failed-view.js", "view.js"]) {
      const text = readFileSync(join(WWW_DIR, file), "utf8");
      assert.ok(!/\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment/.test(text), `${file}: no HTML parsing`);
      assert.ok(!/console\.(log|info|debug|warn|error)/.test(text), `${file}: logs nothing`);
    }
    const html = readFileSync(join(WWW_DIR, "index.html"), "utf8");
    assert.ok(!/\sstyle=/i.test(html) && !/\son[a-z]+=/i.test(html), "no inline style or handler in the new markup");
  });

  it("Why they failed: the groups of the listed executions, largest first, as groupFailures makes them (screenshot: groups)", async () => {
    const project = uniqueProject("groups");
    const session = await openListed({ project });
    const { page } = session;
    await page.locator("#groups li.group").first().waitFor({ timeout: 10_000 });
    const expected = await expectedGroups(project);
    assert.ok(expected.length > GROUPS_SHOWN, `the seed makes more groups than shown at first (${expected.length})`);
    assert.ok(expected.filter((g) => g.count > 1).length >= 3, "several groups of more than one execution");
    assert.ok(expected.some((g) => g.signature !== g.example), "some signatures differ from the reason (placeholders)");
    assert.ok(new Set(expected.map((g) => g.workflowExternalId)).size >= 4, "across workflows");

    assert.equal(await page.isVisible("#groups"), true);
    assert.equal(await page.locator("#groups h3").innerText(), "Why they failed");
    let shown = await shownGroups(page);
    assert.deepEqual(withoutPressed(shown), expected.slice(0, GROUPS_SHOWN).map(asShown), "the largest groups, each with its count, statuses, signature and example");
    assert.ok(shown.every((g) => g.pressed === "false"), "none chosen yet");
    const counts = shown.map((g) => g.count);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), "largest first");
    assert.match(await page.locator("#failed-status").innerText(), new RegExp(`Why they failed: ${expected.length} groups\\.`));
    // A group's buttons say what they act on.
    const first = group(page, 0);
    const visible = (locator) => locator.evaluate((b) => b.firstChild.textContent); // without the visually hidden part
    assert.equal(await visible(first.locator(".group-select")), `Select these ${expected[0].count}`);
    assert.equal(await visible(first.locator(".group-retry")), `Retry this group (${expected[0].count})`);
    assert.match(await first.locator(".group-retry").evaluate((b) => b.textContent), new RegExp(`\\(group 1, ${expected[0].workflowExternalId}\\)$`), "its accessible name names the group");
    await assertAccessible(page, "groups");
    await docShot(page, "failed-9-groups.png", { element: page.locator("#groups") });

    // Show all, and back.
    const more = page.locator("#groups-more");
    assert.equal(await more.innerText(), `Show all ${expected.length} groups`);
    assert.equal(await more.getAttribute("aria-expanded"), "false");
    await more.click();
    shown = await shownGroups(page);
    assert.deepEqual(withoutPressed(shown), expected.map(asShown), "every group");
    assert.equal(await more.getAttribute("aria-expanded"), "true");
    assert.equal(await more.innerText(), `Show the ${GROUPS_SHOWN} largest groups only`);
    assert.equal((await focused(page)).id, "groups-more", "the keyboard stays on the button");
    await assertAccessible(page, "all groups");
    await more.click();
    assert.equal((await shownGroups(page)).length, GROUPS_SHOWN);

    // Only the three statuses that are failures: a list of COMPLETED would give no group (the
    // view lists no COMPLETED); a filter that matches nothing hides the panel.
    await page.fill("#filter-workflow", "no-such-workflow");
    await page.click("#failed-load");
    await page.locator("#failed-status", { hasText: "No execution matches" }).waitFor();
    assert.equal(await page.isHidden("#groups"), true, "no group without executions");
    await assertClean(session);
  });

  it("choosing a group selects exactly its executions; Retry this group retries exactly those (screenshot: a group chosen)", async () => {
    const project = uniqueProject("choose");
    const session = await openListed({ project });
    const { page } = session;
    await page.locator("#groups li.group").first().waitFor({ timeout: 10_000 });
    const expected = await expectedGroups(project);
    const [big, second] = expected;
    assert.ok(big.count >= 2 && second.count >= 1);
    const ids = (g) => g.executionIds.map((id) => id.toLowerCase()).sort();

    await group(page, 0).locator(".group-select").click();
    assert.deepEqual(await checkedIds(page), ids(big), "its executions, and only those, are selected");
    assert.equal(await group(page, 0).locator(".group-select").getAttribute("aria-pressed"), "true");
    assert.equal(await page.locator("#retry-selected").innerText(), `Retry selected (${big.count})`);
    assert.match(await page.locator("#failed-status").innerText(), new RegExp(`^Selected the ${big.count} executions of ${big.workflowExternalId} that failed with`));
    await assertAccessible(page, "a group chosen");
    await docShot(page, "failed-10-group-chosen.png", { element: page.locator("#failed-view") });

    // Another group replaces the selection; pressing a chosen group again clears it.
    await group(page, 1).locator(".group-select").click();
    assert.deepEqual(await checkedIds(page), ids(second));
    assert.equal(await group(page, 0).locator(".group-select").getAttribute("aria-pressed"), "false");
    assert.equal(await group(page, 1).locator(".group-select").getAttribute("aria-pressed"), "true");
    await group(page, 1).locator(".group-select").click();
    assert.deepEqual(await checkedIds(page), [], "nothing selected");
    // A hand-made selection equal to a group presses it; one more row un-presses it.
    for (const id of big.executionIds) await row(page, id).locator("input.select").check();
    assert.equal(await group(page, 0).locator(".group-select").getAttribute("aria-pressed"), "true", "the selection is that group");
    const outsider = (await mockExecutions(project)).find((x) => RETRYABLE.includes(x.status) && !ids(big).includes(x.id));
    await row(page, outsider.id).locator("input.select").check();
    assert.equal(await group(page, 0).locator(".group-select").getAttribute("aria-pressed"), "false");

    // Retry this group: exactly its executions, whatever else is selected; one of them fails again.
    const again = big.executionIds[0];
    const reason = "Task extract-sap failed: the SAP gateway answered 502";
    await setOutcomes(project, { "*": "COMPLETED", [again]: { status: "FAILED", reasonForIncompletion: reason } });
    const retriesBefore = (await mockLog(demo, project)).filter((r) => r.op === "retry").length;
    await group(page, 0).locator(".group-retry").click();
    await page.locator("#batch-label", { hasText: `Done: ${big.count} of ${big.count}` }).waitFor({ timeout: 15_000 });
    await page.locator("#failed-cancel:disabled").waitFor({ timeout: 15_000 });
    const log = (await mockLog(demo, project)).filter((r) => r.op === "retry");
    assert.equal(log.length - retriesBefore, big.count, "one retry per execution of the group");
    const retried = log.slice(retriesBefore).map((r) => r.path.match(/executions\/([^/]+)\/retry/)[1].toLowerCase()).sort();
    assert.deepEqual(retried, ids(big), "exactly the group's executions");
    const states = await page.$$eval("#failed-rows tr", (trs) => trs.map((tr) => [tr.dataset.id.toLowerCase(), tr.dataset.state ?? null]));
    for (const [id, state] of states) {
      if (ids(big).includes(id)) assert.equal(state, "ended", `${id} retried and followed`);
      else assert.equal(state, null, `${id} untouched`);
    }
    assert.equal(await row(page, again).locator(".status-cell .badge").innerText(), "FAILED");
    assert.equal(await row(page, outsider.id).locator("input.select").isChecked(), false, "the batch took the group, not the selection");

    // The groups follow: the completed ones are gone; the one that failed again is grouped by its
    // failed task (the view read its details while following it).
    await until(async () => !(await shownGroups(page)).some((g) => g.key === JSON.stringify([big.workflowExternalId, big.signature]) && g.count === big.count), { what: "the groups to be made again" });
    await showAllGroups(page);
    const after = await shownGroups(page);
    const refailed = after.find((g) => g.failedTask !== null);
    assert.ok(refailed, `a group with its failed task: ${JSON.stringify(after)}`);
    assert.equal(refailed.count, 1);
    assert.equal(refailed.workflow, big.workflowExternalId);
    assert.ok(refailed.signature.startsWith(`${refailed.failedTask}: `), "the signature is the task's");
    const details = await lib.getExecution({ ...connection(project), executionId: again });
    const task = details.executedTasks.find((t) => ["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT"].includes(t.status));
    assert.equal(refailed.failedTask, task.externalId);
    assert.equal(refailed.example, task.reasonForIncompletion);
    const rest = after.filter((g) => g !== refailed).reduce((n, g) => n + g.count, 0);
    assert.equal(rest + 1 + (big.count - 1), expected.reduce((n, g) => n + g.count, 0), "every other failure is still grouped; the completed ones left");
    await assertAccessible(page, "after retrying a group");
    await assertClean(session);
  });

  it("renders CDF's text as text: markup in reasons and ids stays visible characters, never elements", async () => {
    const project = uniqueProject("hostile");
    const session = await open({ project });
    const { page } = session;
    const evil = '<img src=x onerror="document.title=1"><b>bold</b>';
    const base = { workflowExternalId: `wf-${evil}`, engineExecutionId: IDS.completed, createdTime: 1_700_000_000_000, metadata: {} };
    await script(demo, project, {
      on: "list",
      status: 200,
      body: {
        items: [
          { ...base, id: IDS.failed, status: "FAILED", reasonForIncompletion: `Task ${evil} failed` },
          { ...base, id: IDS.failed2, status: "FAILED", reasonForIncompletion: `Task ${evil} failed` },
        ],
      },
    });
    await control(demo, `/_mock/projects/${project}/triggers/evil-trigger/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflowExternalId: `wf-${evil}`, workflowVersion: evil, runs: [{ fireTime: 1_700_000_000_000, status: "failed", reasonForFailure: evil }] }),
    });
    await page.click("#failed-load");
    await page.locator("#groups li.group").first().waitFor({ timeout: 10_000 });
    await page.fill("#trigger-id", "evil-trigger");
    await page.click("#trigger-load");
    await page.locator("#trigger-rows tr").first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#groups img, #groups b, #trigger-runs img, #trigger-runs b").count(), 0, "no element made from the text");
    assert.match(await group(page, 0).locator('[data-key="example"] dd').innerText(), /<img src=x onerror="document\.title=1"><b>bold<\/b>/);
    assert.equal(await group(page, 0).locator("h4").evaluate((h4) => h4.lastChild.textContent), `wf-${evil}`, "the workflow id as sent");
    assert.match(await page.locator("#trigger-rows .reason-cell").innerText(), /<b>bold<\/b>/);
    assert.notEqual(await page.title(), "1", "nothing ran");
    await assertClean(session);
  });

  it("Cancel a RUNNING execution: the dialog says what cancel does and does not stop; declining sends nothing; confirming cancels it with the reason (screenshots: confirm, cancelled)", async () => {
    const project = uniqueProject("cancel");
    const session = await openListed({ project, statuses: [...RETRYABLE, "RUNNING"] });
    const { page } = session;
    const all = await mockExecutions(project);
    const running = all.filter((x) => x.status === "RUNNING");
    assert.ok(running.length >= 2, `the seed has RUNNING executions (${running.length})`);
    // Only RUNNING rows offer Cancel; they cannot be selected for a retry.
    const offers = await page.$$eval("#failed-rows tr", (trs) => trs.map((tr) => [tr.dataset.status, !tr.querySelector(".cancel-button").hidden]));
    assert.ok(offers.length > running.length);
    for (const [status, shown] of offers) assert.equal(shown, status === "RUNNING", `${status}: Cancel ${shown ? "shown" : "hidden"}`);
    assert.equal(await row(page, RUNNING_ID).locator("input.select").isDisabled(), true);
    assert.match(await page.locator("#failed-status").innerText(), /A RUNNING one can be cancelled\./);

    const cancelButton = row(page, RUNNING_ID).locator(".cancel-button");
    assert.equal(await cancelButton.evaluate((b) => b.textContent), "Cancel nightly-ingest execution 55555555…");
    const dialog = page.locator("#cancel-dialog");
    const isOpen = () => dialog.evaluate((d) => d.open);

    // Decline with Escape, then with the button: nothing is sent.
    await cancelButton.click();
    assert.equal(await dialog.evaluate((d) => d.open && d.matches(":modal")), true, "a modal dialog");
    assert.equal(await page.locator("#cancel-title").innerText(), "Cancel nightly-ingest execution 55555555…?");
    const text = await page.locator("#cancel-what").innerText();
    assert.match(text, /marks the execution TERMINATED/);
    assert.match(text, /does not stop a task that is already running: a function call or a transformation that has started may still run to its end/);
    assert.match(text, /does not undo anything: what its tasks already wrote to CDF stays written/);
    assert.match(await page.locator("#cancel-target").innerText(), new RegExp(`RUNNING Workflow nightly-ingest \\(version v3\\), execution ${RUNNING_ID}\\.`));
    assert.equal((await focused(page)).id, "cancel-keep", "the focus starts on the safe choice");
    await assertAccessible(page, "the cancel confirmation");
    await docShot(page, "failed-11-cancel-confirm.png");
    await page.keyboard.press("Escape");
    assert.equal(await isOpen(), false, "Escape declines");
    let f = await focusAfterClose(page, (x) => x.row === RUNNING_ID, "back on the row");
    assert.deepEqual([f.row, f.cls], [RUNNING_ID, "small cancel-button"], "the focus is back on the row's Cancel");
    await cancelButton.click();
    await page.click("#cancel-keep");
    assert.equal(await isOpen(), false, "Keep it running declines");
    assert.deepEqual((await mockLog(demo, project)).filter((r) => r.op === "cancel"), [], "no cancel was sent");
    assert.equal((await mockExecutions(project)).find((x) => x.id === RUNNING_ID).status, "RUNNING");

    // Confirm, with a reason.
    const reason = "Stuck on the SAP extract since 02:00";
    await cancelButton.click();
    assert.equal(await page.inputValue("#cancel-reason"), "", "the reason starts empty");
    await page.fill("#cancel-reason", reason);
    await page.click("#cancel-confirm");
    await row(page, RUNNING_ID).and(page.locator('[data-state="run-cancelled"]')).waitFor({ timeout: 10_000 });
    assert.equal(await isOpen(), false, "the dialog closes on success");
    assert.equal(await row(page, RUNNING_ID).locator(".status-cell .badge").innerText(), "TERMINATED");
    assert.equal(await row(page, RUNNING_ID).locator(".result-cell").innerText(), `Cancelled: now TERMINATED (${reason}). Tasks already running may still run to their end.`);
    assert.equal(await cancelButton.isHidden(), true, "no Cancel for a TERMINATED execution");
    assert.equal(await row(page, RUNNING_ID).locator("input.select").isDisabled(), false, "it can be retried now");
    f = await focusAfterClose(page, (x) => x.cls === "small tasks-button", "the row's Tasks");
    assert.deepEqual([f.row, f.cls], [RUNNING_ID, "small tasks-button"], "the focus is on the row (its Tasks button: Cancel is gone)");
    assert.match(await page.locator("#failed-status").innerText(), /^Cancelled: nightly-ingest execution 55555555… is now TERMINATED\./);
    const cancels = (await mockLog(demo, project)).filter((r) => r.op === "cancel");
    assert.equal(cancels.length, 1, "one cancel request");
    assert.equal(cancels[0].path, `/api/v1/projects/${project}/workflows/executions/${RUNNING_ID}/cancel`);
    assert.deepEqual(JSON.parse(cancels[0].body), { reason });
    assert.equal(cancels[0].headers.authorization, `Bearer ${DEMO_TOKEN}`);
    assert.equal((await mockExecutions(project)).find((x) => x.id === RUNNING_ID).status, "TERMINATED", "the mock cancelled it");
    // It ended: Why they failed now has it, in a group of its own reason.
    await showAllGroups(page);
    const cancelledGroup = (await shownGroups(page)).find((g) => g.example === reason);
    assert.ok(cancelledGroup, "a group with the cancel's reason");
    assert.deepEqual([cancelledGroup.workflow, cancelledGroup.statuses], ["nightly-ingest", ["1 TERMINATED"]]);
    await assertAccessible(page, "cancelled");
    await row(page, RUNNING_ID).evaluate((el) => el.scrollIntoView({ block: "center" }));
    await docShot(page, "failed-12-run-cancelled.png");

    // Without a reason: {} is sent, and CDF's default reason shows.
    const other = running.find((x) => x.id !== RUNNING_ID);
    await row(page, other.id).locator(".cancel-button").click();
    await page.click("#cancel-confirm");
    await row(page, other.id).and(page.locator('[data-state="run-cancelled"]')).waitFor({ timeout: 10_000 });
    const last = (await mockLog(demo, project)).filter((r) => r.op === "cancel").at(-1);
    assert.deepEqual(JSON.parse(last.body), {}, "no reason: an empty body");
    assert.equal(await row(page, other.id).locator(".result-cell").innerText(), "Cancelled: now TERMINATED (cancelled). Tasks already running may still run to their end.");
    await assertClean(session);
  });

  it("Cancel errors: a reason the module refuses marks the field and sends nothing; an execution that already ended shows CDF's 400 in the dialog (screenshot: cancel error)", async () => {
    const project = uniqueProject("cancelerr");
    const session = await openListed({ project, statuses: ["RUNNING"] });
    const { page } = session;
    assert.equal(await page.isHidden("#groups"), true, "RUNNING ones only: nothing failed, no group");
    await row(page, RUNNING_ID).locator(".cancel-button").click();
    await page.fill("#cancel-reason", "x".repeat(501));
    await page.click("#cancel-confirm");
    await page.locator("#cancel-reason[aria-invalid=true]").waitFor({ timeout: 10_000 });
    assert.equal((await focused(page)).id, "cancel-reason");
    assert.match(await page.locator("#cancel-reason-error").innerText(), /reason/i);
    assert.equal(await page.locator("#cancel-dialog").evaluate((d) => d.open), true, "the dialog stays open");
    assert.equal(await row(page, RUNNING_ID).getAttribute("data-state"), null, "the row is as it was");
    assert.deepEqual((await mockLog(demo, project)).filter((r) => r.op === "cancel"), [], "nothing was sent");
    await assertAccessible(page, "a refused reason");
    await page.fill("#cancel-reason", "");
    assert.equal(await page.getAttribute("#cancel-reason", "aria-invalid"), null, "typing clears the mark");

    // The execution ends before the confirmation: CDF's 400 goes into the dialog and the row.
    await setOutcomes(project, { [RUNNING_ID]: { status: "COMPLETED", delayMs: 0 } });
    await until(async () => (await mockExecutions(project)).find((x) => x.id === RUNNING_ID).status === "COMPLETED", { what: "the run to end" });
    await page.click("#cancel-confirm");
    const card = page.locator('#cancel-error [data-kind="api"]');
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await card.locator("h3").innerText(), "CDF answered HTTP 400 Bad Request");
    assert.match(await card.innerText(), /cannot be cancelled: it has already ended/);
    assert.match(await card.innerText(), /Only a RUNNING execution can be cancelled/);
    assert.match(await card.innerText(), /cancelling the execution \(POST …\/executions\/\{id\}\/cancel\)/);
    assert.equal((await focused(page)).id, "cancel-keep", "the focus goes to the way out");
    assert.equal(await row(page, RUNNING_ID).getAttribute("data-state"), "not-cancelled");
    assert.match(await row(page, RUNNING_ID).locator(".result-cell").innerText(), /^Not cancelled\. CDF answered HTTP 400 Bad Request\./);
    assert.match(await page.locator("#failed-status").innerText(), /^Could not cancel nightly-ingest execution 55555555…: CDF answered HTTP 400/);
    await assertAccessible(page, "a cancel refused by CDF");
    await docShot(page, "failed-13-cancel-error.png");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#cancel-dialog").evaluate((d) => d.open), false);

    // A refused token: the dialog shows the 401; closing it marks the token field.
    const running = (await mockExecutions(project)).find((x) => x.status === "RUNNING");
    await page.fill("#token", "expired-token");
    await row(page, running.id).locator(".cancel-button").click();
    await page.click("#cancel-confirm");
    await page.locator("#cancel-error h3", { hasText: "HTTP 401" }).waitFor({ timeout: 10_000 });
    await page.click("#cancel-keep");
    assert.equal((await focusAfterClose(page, (x) => x.id === "token", "the token field")).id, "token", "the focus goes to the token field");
    assert.equal(await page.getAttribute("#token", "aria-invalid"), "true");
    await assertClean(session, "expired-token");
  });

  it("Trigger runs: a seeded trigger's runs that started no execution; an unknown trigger's 404; a refused id; none (screenshots: runs, unknown)", async () => {
    const project = uniqueProject("triggers");
    const session = await open({ project });
    const { page } = session;
    const expected = await lib.listTriggerRuns({ ...connection(project), triggerExternalId: "hourly-sync-hourly", status: "failed" });
    assert.equal(expected.length, 9, "the seed's 9 failed runs");
    const logged = (await mockLog(demo, project)).length; // the Node call's requests
    await page.fill("#trigger-id", "hourly-sync-hourly");
    await page.press("#trigger-id", "Enter");
    await page.locator("#trigger-rows tr").first().waitFor({ timeout: 10_000 });
    const shown = await page.$$eval("#trigger-rows tr", (trs) =>
      trs.map((tr) => ({
        fireTime: Number(tr.dataset.fireTime),
        time: tr.querySelector("time").getAttribute("datetime"),
        workflow: tr.querySelector(".workflow-cell strong").textContent,
        version: tr.querySelector(".workflow-cell .sub").textContent,
        reason: tr.querySelector(".reason-cell").lastChild.textContent,
      })),
    );
    assert.deepEqual(shown, expected.map((r) => ({
      fireTime: r.fireTime,
      time: new Date(r.fireTime).toISOString(),
      workflow: r.workflowExternalId,
      version: `version ${r.workflowVersion}`,
      reason: r.reasonForFailure,
    })), "each failed run, newest first, with its fire time, workflow, version and reason");
    assert.ok(shown.some((r) => r.version === "version 3") && shown.some((r) => r.version === "version 1"), "the version each run asked for");
    assert.equal(await page.locator("#trigger-status").innerText(), "9 runs of trigger hourly-sync-hourly failed to start an execution, newest first.");
    const requests = (await mockLog(demo, project)).slice(logged);
    assert.ok(requests.every((r) => r.op === "triggerRuns"), "only the trigger history was read");
    assert.ok(requests.length >= 1 && requests.every((r) => r.path.startsWith(`/api/v1/projects/${project}/workflows/triggers/hourly-sync-hourly/history?`)), "GET …/triggers/hourly-sync-hourly/history");
    assert.ok(requests.every((r) => r.headers["x-cdp-app"] === "cdf-workflow-retry demo"));
    await assertAccessible(page, "trigger runs");
    await docShot(page, "failed-14-trigger-runs.png", { element: page.locator("#trigger-runs") });

    // An id to percent-encode.
    await page.fill("#trigger-id", "quality-checks/daily pumps");
    await page.click("#trigger-load");
    await page.locator("#trigger-status", { hasText: "1 run of trigger quality-checks/daily pumps" }).waitFor({ timeout: 10_000 });
    assert.equal((await mockLog(demo, project)).filter((r) => r.op === "triggerRuns").at(-1).path.split("?")[0], `/api/v1/projects/${project}/workflows/triggers/quality-checks%2Fdaily%20pumps/history`);

    // A trigger without failed runs.
    await page.fill("#trigger-id", "backfill-monthly");
    await page.click("#trigger-load");
    await page.locator("#trigger-status", { hasText: "No run of trigger backfill-monthly failed to start an execution." }).waitFor({ timeout: 10_000 });
    assert.equal(await page.isHidden("#trigger-table"), true);

    // An unknown trigger: CDF's 404, explained.
    await page.fill("#trigger-id", "no-such-trigger");
    await page.click("#trigger-load");
    const card = page.locator('#trigger-error [data-kind="api"]');
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await card.locator("h3").innerText(), "CDF answered HTTP 404 Not Found");
    assert.match(await card.innerText(), /Trigger "no-such-trigger" not found/);
    assert.match(await card.innerText(), /CDF knows no trigger with this external id in this project/);
    assert.match(await card.innerText(), /reading the trigger's history/);
    assert.equal(await page.isHidden("#trigger-table"), true, "no runs shown");
    assert.match(await page.locator("#trigger-status").innerText(), /^Could not read the trigger's history: CDF answered HTTP 404 Not Found\./);
    await assertAccessible(page, "an unknown trigger");
    await docShot(page, "failed-15-trigger-unknown.png", { element: page.locator("#trigger-runs") });

    // An id the module refuses: the field is marked, nothing is sent.
    const before = (await mockLog(demo, project)).length;
    await page.fill("#trigger-id", "");
    await page.click("#trigger-load");
    await page.locator("#trigger-id[aria-invalid=true]").waitFor({ timeout: 10_000 });
    assert.equal((await focused(page)).id, "trigger-id");
    assert.match(await page.locator("#trigger-id-error").innerText(), /triggerExternalId|1 to 255/);
    assert.equal((await mockLog(demo, project)).length, before, "nothing reached the mock");
    await assertAccessible(page, "a refused trigger id");
    // Changing the project empties the panel.
    await page.fill("#trigger-id", "hourly-sync-hourly");
    await page.click("#trigger-load");
    await page.locator("#trigger-rows tr").first().waitFor({ timeout: 10_000 });
    await page.fill("#project", uniqueProject("other"));
    await page.dispatchEvent("#project", "change");
    assert.equal(await page.isHidden("#trigger-table"), true);
    assert.match(await page.locator("#trigger-status").innerText(), /connection changed/);
    // The mock's triggers are suggested.
    const suggestions = await page.$$eval("#trigger-id-list option", (os) => os.map((o) => o.value));
    assert.ok(suggestions.includes("nightly-ingest-schedule") && suggestions.includes("hourly-sync-hourly"), suggestions.join());
    await assertClean(session);
  });

  it("is usable with the keyboard alone: Tab and Enter through the groups, Retry this group, the row's Cancel and its dialog (Escape), the trigger form", async () => {
    const project = uniqueProject("kbd3");
    const session = await openListed({ project, statuses: [...RETRYABLE, "RUNNING"] });
    const { page } = session;
    await page.locator("#groups li.group").first().waitFor({ timeout: 10_000 });
    const expected = await expectedGroups(project);
    const tab = async (shift = false) => page.keyboard.press(shift ? "Shift+Tab" : "Tab");

    // From Show failed executions, Tab reaches the first group's buttons, then the next group's.
    await page.focus("#failed-load");
    await tab();
    let f = await focused(page);
    assert.equal(f.cls, "small group-select");
    assert.equal(f.group, JSON.stringify([expected[0].workflowExternalId, expected[0].signature]));
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), "solid", "focus is visible");
    await page.keyboard.press("Enter");
    assert.deepEqual(await checkedIds(page), expected[0].executionIds.map((id) => id.toLowerCase()).sort(), "Enter chooses the group");
    await page.keyboard.press("Space");
    assert.deepEqual(await checkedIds(page), [], "Space on the pressed group clears it");
    await tab();
    assert.equal((await focused(page)).cls, "small group-retry");
    await tab();
    assert.equal((await focused(page)).group, JSON.stringify([expected[1].workflowExternalId, expected[1].signature]));
    // Past the groups: Show all, then Select all.
    for (let i = 0; i < 2 * GROUPS_SHOWN - 2; i += 1) await tab();
    assert.equal((await focused(page)).id, "groups-more");
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute("#groups-more", "aria-expanded"), "true");
    assert.equal((await focused(page)).id, "groups-more");
    await page.keyboard.press("Enter");
    await tab();
    assert.equal((await focused(page)).id, "select-all");

    // Retry this group from the keyboard: the focus moves to Cancel while the batch runs, then back.
    await page.focus("#groups-list li.group:nth-child(2) .group-retry");
    await page.keyboard.press("Enter");
    await until(async () => (await focused(page)).id === "failed-cancel" || (await page.isDisabled("#failed-cancel")), { what: "the batch" });
    await page.locator("#failed-cancel:disabled").waitFor({ timeout: 15_000 });
    assert.equal((await focused(page)).id, "select-all", "the focus is never lost to the page");
    assert.equal((await mockLog(demo, project)).filter((r) => r.op === "retry").length, expected[1].count, "the second group was retried");

    // A RUNNING row: Tab from its Tasks button to its Cancel button; Enter opens the dialog on
    // "Keep it running"; Shift+Tab to the reason; Escape declines; Enter in the reason confirms.
    await page.focus(`#failed-rows tr[data-id="${RUNNING_ID}"] .tasks-button`);
    await tab();
    f = await focused(page);
    assert.equal(f.row, RUNNING_ID);
    assert.equal(f.cls, "small cancel-button");
    await page.keyboard.press("Enter");
    assert.equal((await focused(page)).id, "cancel-keep");
    await tab(true);
    assert.equal((await focused(page)).id, "cancel-confirm");
    await tab(true);
    assert.equal((await focused(page)).id, "cancel-reason");
    await page.keyboard.type("by keyboard");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#cancel-dialog").evaluate((d) => d.open), false);
    f = await focusAfterClose(page, (x) => x.cls === "small cancel-button", "the row's Cancel");
    assert.deepEqual([f.row, f.cls], [RUNNING_ID, "small cancel-button"], "back on the row's Cancel");
    assert.deepEqual((await mockLog(demo, project)).filter((r) => r.op === "cancel"), []);
    await page.keyboard.press("Enter");
    await tab(true);
    await tab(true);
    await page.keyboard.type("by keyboard");
    await page.keyboard.press("Enter");
    await row(page, RUNNING_ID).and(page.locator('[data-state="run-cancelled"]')).waitFor({ timeout: 10_000 });
    assert.deepEqual(JSON.parse((await mockLog(demo, project)).filter((r) => r.op === "cancel")[0].body), { reason: "by keyboard" });
    f = await focusAfterClose(page, (x) => x.cls === "small tasks-button", "the row's Tasks");
    assert.deepEqual([f.row, f.cls], [RUNNING_ID, "small tasks-button"], "the focus is back on the row");

    // The trigger form: Tab from the id to its button, Enter lists.
    await page.focus("#trigger-id");
    await page.keyboard.type("nightly-ingest-schedule");
    await tab();
    assert.equal((await focused(page)).id, "trigger-load");
    await page.keyboard.press("Enter");
    await page.locator("#trigger-status", { hasText: "3 runs of trigger nightly-ingest-schedule" }).waitFor({ timeout: 10_000 });
    // The page links to the panel.
    await page.click('nav a[href="#trigger-runs"]');
    assert.equal((await focused(page)).id, "trigger-runs");
    await assertClean(session);
  });

  it("fits a 360 px phone: groups, the cancel dialog and trigger runs without sideways scrolling (screenshot: phone)", async () => {
    const project = uniqueProject("phone3");
    const session = await openListed({ project, statuses: [...RETRYABLE, "RUNNING"], viewport: { width: 360, height: 740 } });
    const { page } = session;
    await page.locator("#groups li.group").first().waitFor({ timeout: 10_000 });
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await width()) <= 360, `no horizontal scrolling (scrollWidth ${await width()})`);
    for (const box of await page.locator("#groups li.group").evaluateAll((lis) => lis.map((li) => li.getBoundingClientRect().toJSON()))) {
      assert.ok(box.x >= 0 && box.right <= 360, `a group fits (${JSON.stringify(box)})`);
    }
    await group(page, 0).locator(".group-select").click();
    await assertAccessible(page, "phone: groups");
    await page.locator("#groups").evaluate((el) => el.scrollIntoView());
    await docShot(page, "failed-16-phone-panels.png");

    await row(page, RUNNING_ID).locator(".cancel-button").click();
    const dialog = await page.locator("#cancel-dialog").boundingBox();
    assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= 360, `the dialog fits (${JSON.stringify(dialog)})`);
    await assertAccessible(page, "phone: cancel dialog");
    await page.keyboard.press("Escape");

    await page.fill("#trigger-id", "hourly-sync-hourly");
    await page.click("#trigger-load");
    await page.locator("#trigger-rows tr").first().waitFor({ timeout: 10_000 });
    assert.ok((await width()) <= 360, "the runs fit");
    await assertAccessible(page, "phone: trigger runs");
    await assertClean(session);
  });

  it("docs/ holds a picture of each new state, as the README shows", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const name of DOC_SHOTS) {
      const bytes = readFileSync(join(DOCS_DIR, name));
      const { width, height } = pngSize(bytes);
      assert.ok(bytes.length > 5_000 && width >= 300 && height >= 60, `${name} is a real picture (${width}×${height})`);
      assert.ok(readme.includes(`docs/${name}`), `the README shows ${name}`);
    }
    assert.equal(pngSize(readFileSync(join(DOCS_DIR, "failed-16-phone-panels.png"))).width, 360, "the phone picture is 360 px wide");
  });
});
