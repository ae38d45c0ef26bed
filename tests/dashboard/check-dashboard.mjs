// Drives the hub's dashboard in headless Chromium for DashboardTests: logs in with a wrong key (must be
// refused), then with the right one, waits for the expected devices, and prints what the page shows as
// JSON on stdout; screenshots of the device list and the whole page go to SCREENSHOT_DIR.
import { chromium } from "playwright-core";

const hub = process.env.HUB_URL;
const key = process.env.ADMIN_KEY;
const dir = process.env.SCREENSHOT_DIR;
const expected = (process.env.EXPECT_DEVICES || "").split(",").filter(Boolean);
const browserPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath: browserPath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(hub + "/dashboard");

  await page.fill("#key", "wrong-key-0000000000");
  await page.click("#login-form button");
  await page.waitForFunction(() => document.getElementById("error").textContent.length > 0, null, { timeout: 15000 });
  const wrongKeyError = await page.textContent("#error");

  await page.fill("#key", key);
  await page.click("#login-form button");
  await page.waitForSelector("body[data-loaded=true]", { timeout: 15000 });
  for (const id of expected) {
    await page.waitForSelector(`#devices tr[data-device="${id}"]`, { timeout: 30000 });
  }
  const devices = await page.$$eval("#devices tbody tr", (rows) => rows.map((r) => ({
    id: r.dataset.device,
    cells: [...r.children].map((c) => c.textContent.trim()),
  })));
  const deployments = await page.$$eval("#deployments tbody tr", (rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
  const models = await page.$$eval("#models tbody tr", (rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
  const summary = await page.textContent("#summary");
  await page.locator("section", { has: page.locator("#devices") }).screenshot({ path: dir + "/dashboard-devices.png" });
  await page.screenshot({ path: dir + "/dashboard.png", fullPage: true });
  console.log(JSON.stringify({ wrongKeyError, summary, devices, models, deployments, consoleErrors }));
} finally {
  await browser.close();
}
