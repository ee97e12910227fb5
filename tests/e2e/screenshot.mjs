// Regenerates docs/screenshot.png (the README's picture of the demo page after a successful
// retry), 1000 px wide, with playwright-core and Debian's Chromium. Needs a built pkg/.
//
//   node tests/e2e/screenshot.mjs [out.png]
import { statSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startDemo } from "../../scripts/start.mjs";
import { IDS, checkPrerequisites, launchBrowser, openDemo } from "./helpers.mjs";

const out = process.argv[2] ?? join(ROOT, "docs", "screenshot.png");
checkPrerequisites();

// Port 8080 when free, so the picture shows what `npm start` shows.
let demo;
try {
  demo = await startDemo({ port: 8080 });
} catch {
  demo = await startDemo({ port: 0 });
}
const browser = await launchBrowser();
try {
  const { page, problems } = await openDemo(browser, demo, { viewport: { width: 1000, height: 800 } });
  await page.selectOption("#seeded", IDS.failed);
  await page.click("#retry");
  await page.locator('#result .badge[data-status="RUNNING"]').waitFor({ timeout: 10_000 });
  await page.evaluate(() => document.activeElement?.blur());
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0)); // the click scrolled down to the button
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  if (problems.length) throw new Error(`the page reported problems: ${problems.join("; ")}`);
  await page.screenshot({ path: out });
  console.log(`${out}: ${statSync(out).size} bytes`);
} finally {
  await browser.close();
  await demo.close();
}
