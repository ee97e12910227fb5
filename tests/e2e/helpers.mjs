// Shared setup of the demo page's end-to-end tests: the demo server (scripts/start.mjs, in
// process, on a free port), Debian's Chromium driven by playwright-core, and a page that
// records everything that went wrong in it (uncaught errors, console errors, CSP refusals).
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, assertPackageBuilt } from "../../scripts/start.mjs";

import { CHROMIUM, launchChromium } from "../chromium.mjs";

export { CHROMIUM };

export const DEMO_TOKEN = "demo-token";
export const IDS = {
  failed: "11111111-1111-4111-8111-111111111111",
  timedOut: "22222222-2222-4222-8222-222222222222",
  completed: "44444444-4444-4444-8444-444444444444",
  failed2: "66666666-6666-4666-8666-666666666666",
  failed3: "77777777-7777-4777-8777-777777777777",
};

/** Fail at once, and clearly, when what the tests need is missing (they never build). */
export function checkPrerequisites() {
  assertPackageBuilt();
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run \`bash scripts/setup.sh --browser\` (Debian chromium), or set CHROMIUM_PATH.`);
  }
}

export function launchBrowser() {
  return launchChromium({ headless: true });
}

let shotDir = null;
/** The folder screenshots go to (made on first use, printed once, never committed). */
export function screenshotDir() {
  if (!shotDir) {
    shotDir = mkdtempSync(join(tmpdir(), "cdf-workflow-retry-e2e-"));
    process.stderr.write(`e2e: screenshots in ${shotDir}\n`);
  }
  return shotDir;
}

/** A full-page screenshot into screenshotDir(), taken from the top (the result panel is sticky). */
export async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(screenshotDir(), name), fullPage: true });
}

let counter = 0;
/** A project name of its own for each test (the mock keeps state per project). */
export function uniqueProject(tag) {
  counter += 1;
  return `e2e-${tag}-${process.pid.toString(36)}${counter}`.slice(0, 32);
}

/** Console errors that are expected: the browser reports every 4xx/5xx answer the page gets. */
const EXPECTED_CONSOLE = /^Failed to load resource: the server responded with a status of [45]\d\d/;

/**
 * A fresh browser context and page on the demo, with `problems` collecting page errors,
 * unexpected console errors and Content-Security-Policy refusals, and `messages` every console line.
 */
export async function openDemo(browser, demo, { viewport = { width: 1000, height: 800 }, project, route } = {}) {
  const context = await browser.newContext({ viewport, locale: "en-US", timezoneId: "UTC", reducedMotion: "reduce" });
  const page = await context.newPage();
  const problems = [];
  const messages = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    messages.push(msg.text());
    if (msg.type() === "error" && !EXPECTED_CONSOLE.test(msg.text())) problems.push(`console.error: ${msg.text()}`);
  });
  if (route) await route(page);
  await page.goto(demo.url);
  let failure = null;
  try {
    await page.waitForSelector("html:is([data-state=ready], [data-state=error])", { timeout: 15_000 });
    if ((await page.getAttribute("html", "data-state")) !== "ready") failure = "it shows an error";
  } catch (err) {
    failure = err.message.split("\n")[0];
  }
  if (failure) {
    const status = await page.locator("#status").innerText().catch(() => "(no #status)");
    await context.close();
    throw new Error(`the demo page did not get ready (${failure}): "${status}"; problems: ${JSON.stringify(problems)}`);
  }
  if (project) await setProject(page, project);
  return { context, page, problems, messages };
}

export async function setProject(page, project) {
  await page.fill("#project", project);
  await page.dispatchEvent("#project", "change");
}

/** GET a control-API path of the mock (JSON). */
export async function control(demo, path, init) {
  const res = await fetch(new URL(path, demo.url), init);
  if (!res.ok) throw new Error(`mock control ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

export async function mockLog(demo, project) {
  return (await control(demo, `/_mock/projects/${project}/log`)).requests;
}

export async function script(demo, project, steps) {
  return control(demo, `/_mock/projects/${project}/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(steps),
  });
}

/** Wait until `check()` returns a truthy value (polling), or fail after `timeoutMs`. */
export async function until(check, { timeoutMs = 5000, what = "condition" } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The page's HTML as serialised now, plus storage: where a token must never show up. */
export function exposedState(page) {
  return page.evaluate(() => ({
    html: document.documentElement.outerHTML,
    text: document.body.innerText,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
  }));
}

// --- Accessibility: axe-core (npm) run inside the page --------------------------------------
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's violations for the whole page as it is now, each as "rule (impact): selector …".
 * axe is evaluated through the DevTools protocol, which the page's CSP does not govern (the
 * page itself still allows no inline script).
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe?.run === "function"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
    );
  });
}

// --- Screenshots of the states that the docs show ----------------------------------------------
export const DOCS_DIR = join(ROOT, "docs");

/**
 * A screenshot into screenshotDir(); with UPDATE_DOCS_SCREENSHOTS=1 also into docs/ (the README's
 * pictures). `element`: a locator to picture instead of the viewport.
 */
export async function docShot(page, name, { element } = {}) {
  await page.mouse.move(0, 0); // no hover highlight
  const path = join(screenshotDir(), name);
  if (element) await element.screenshot({ path, animations: "disabled" });
  else await page.screenshot({ path, animations: "disabled" });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === "1") copyFileSync(path, join(DOCS_DIR, name));
  return path;
}

/** Width and height of a PNG, from its header. */
export function pngSize(bytes) {
  if (bytes.subarray(1, 4).toString() !== "PNG") throw new Error("not a PNG");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
