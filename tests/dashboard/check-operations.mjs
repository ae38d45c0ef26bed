// Drives the dashboard's charts, device page and operator actions in headless Chromium for
// DashboardOperationsTests: logs in (naming the operator for the audit log), waits for the fleet charts to
// draw, pauses deployment DEPLOYMENT by clicking, opens DEVICE's page (events, reported state, checks, its
// charts), then revokes REVOKE from its page (cancelling the confirmation once first). Prints what it saw as
// JSON on stdout; screenshots of the fleet overview and the device page go to SCREENSHOT_DIR.
import { chromium } from "playwright-core";

const hub = process.env.HUB_URL;
const key = process.env.ADMIN_KEY;
const dir = process.env.SCREENSHOT_DIR;
const actor = process.env.ACTOR || "";
const deployment = process.env.DEPLOYMENT;
const device = process.env.DEVICE;
const revoke = process.env.REVOKE;
const browserPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath: browserPath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

// The drawn lines of each chart in a container: { requests: [d, …], latency: [...], fallback: [...] }.
const chartPaths = (page, container) => page.$$eval(`#${container} [data-chart]`, (charts) =>
  Object.fromEntries(charts.map((c) => [c.dataset.chart, [...c.querySelectorAll("path.series")].map((p) => p.getAttribute("d"))])));
const rows = (page, table) => page.$$eval(`#${table} tbody tr`, (trs) => trs.map((r) => [...r.children].map((c) => c.textContent.trim())));
const noticeAfter = async (page) => {
  await page.waitForSelector("#notice:not([hidden])", { timeout: 15000 });
  const text = await page.textContent("#notice");
  await page.evaluate(() => { document.getElementById("notice").hidden = true; });
  return text;
};

let page;
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(hub + "/dashboard");
  await page.fill("#key", key);
  await page.fill("#actor", actor);
  await page.click("#login-form button");
  await page.waitForSelector("body[data-loaded=true]", { timeout: 15000 });

  // Charts: every chart has at least one line with points once telemetry is in.
  await page.waitForFunction(() => ["requests", "latency", "fallback"].every((name) =>
    [...document.querySelectorAll(`#fleet-charts [data-chart=${name}] path.series`)].some((p) => (p.getAttribute("d") || "").length > 0)), null, { timeout: 30000 });
  const fleetCharts = await chartPaths(page, "fleet-charts");
  const legend = await page.textContent("#fleet-charts [data-chart=requests] .legend");
  await page.selectOption("#by", "device");
  await page.waitForFunction(() => document.querySelector("#fleet-charts [data-chart=requests] .legend").textContent.includes("device-"), null, { timeout: 15000 });
  const legendByDevice = await page.textContent("#fleet-charts [data-chart=requests] .legend");
  await page.screenshot({ path: dir + "/dashboard-fleet.png", fullPage: true });

  // Pause the deployment by clicking its button; the row follows the hub's state.
  await page.click(`#deployments tr[data-deployment="${deployment}"] button[data-action=pause]`);
  const pauseNotice = await noticeAfter(page);
  await page.waitForSelector(`#deployments tr[data-deployment="${deployment}"] button[data-action=resume]`, { timeout: 15000 });
  const deploymentRow = await page.$eval(`#deployments tr[data-deployment="${deployment}"]`, (r) => [...r.children].map((c) => c.textContent.trim()));

  // The device page, reached from its link in the device list.
  await page.click(`#devices tr[data-device="${device}"] a`);
  await page.waitForSelector(`body[data-device="${device}"]`, { timeout: 15000 });
  await page.waitForSelector("#device-checks tbody tr", { timeout: 30000 });
  await page.waitForFunction(() => [...document.querySelectorAll("#device-charts [data-chart=requests] path.series")].some((p) => (p.getAttribute("d") || "").length > 0), null, { timeout: 30000 });
  const devicePage = {
    title: await page.textContent("#device-title"),
    facts: await page.$$eval("#device-facts dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent]))),
    models: await rows(page, "device-models"),
    checks: await rows(page, "device-checks"),
    checkAt: await page.textContent("#check-at"),
    events: await rows(page, "device-events"),
    charts: await chartPaths(page, "device-charts"),
  };
  await page.screenshot({ path: dir + "/dashboard-device.png", fullPage: true });

  // Revoke: the page asks first; cancelled, nothing is sent; confirmed, the hub revokes.
  await page.goto(hub + "/dashboard#/devices/" + encodeURIComponent(revoke));
  await page.waitForSelector(`body[data-device="${revoke}"]`, { timeout: 15000 });
  await page.click("#revoke");
  await page.waitForSelector("#confirm[open]", { timeout: 5000 });
  const question = await page.textContent("#confirm-text");
  await page.click("#confirm-cancel");
  const cancelledState = await page.textContent("#device-title");
  await page.click("#revoke");
  await page.waitForSelector("#confirm[open]", { timeout: 5000 });
  await page.click("#confirm-ok");
  const revokeNotice = await noticeAfter(page);
  await page.waitForFunction(() => document.getElementById("device-title").textContent.includes("revoked"), null, { timeout: 15000 });
  const revokedTitle = await page.textContent("#device-title");

  console.log(JSON.stringify({ fleetCharts, legend, legendByDevice, pauseNotice, deploymentRow, devicePage, question, cancelledState, revokeNotice, revokedTitle, consoleErrors }));
} catch (e) {
  // What the page itself said (its refresh errors land in the header) makes a timeout readable.
  const said = page ? await page.textContent("#updated").catch(() => "") : "";
  console.error("the page says: " + said);
  throw e;
} finally {
  await browser.close();
}
