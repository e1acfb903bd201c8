// Loads the office page in headless Chromium (Debian's, WebGL2 through SwiftShader),
// waits until the viewer's HUD says "connected" and the office has been live a few
// seconds, then saves the canvas and a status file (<png>.json).
//
//   PLAYWRIGHT_HOME=<folder with node_modules/playwright-core> node viz/web-test/shot.mjs <url> <out.png>
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

// playwright-core lives in a cache folder, not beside this file (ES modules ignore NODE_PATH).
const home = process.env.PLAYWRIGHT_HOME ?? process.cwd();
const { chromium } = createRequire(`${home}/package.json`)("playwright-core");

const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: shot.mjs <url> <out.png>");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
  ],
});
const status = { outcome: "timeout" };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const messages = [];
  page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => messages.push(`pageerror: ${e.message}`));
  await page.goto(url);
  try {
    await page.waitForFunction(
      () => document.documentElement.dataset.connection === "connected",
      null, { timeout: 180_000, polling: 250 });
  } catch (e) {
    status.page_text = await page.locator("#status").textContent();
    status.messages = messages.slice(-20);
    throw e;
  }
  // A few seconds of live office: agents walk, bubbles fill in.
  await page.waitForTimeout(4000);
  const canvas = page.locator("#office");
  await canvas.screenshot({ path: out });
  Object.assign(status, {
    outcome: "ok",
    connection: await page.evaluate(() => document.documentElement.dataset.connection),
    hud: await page.evaluate(() => document.documentElement.dataset.hud),
  });
} finally {
  writeFileSync(out.replace(/\.png$/, ".json"), JSON.stringify(status, null, 2) + "\n");
  await browser.close();
}
console.log(`${out}: ${status.outcome}`);
