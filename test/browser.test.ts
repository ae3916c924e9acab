/**
 * The dashboard and the report in a real browser: Debian's Chromium driven by playwright-core.
 * A `pcl-stream train --dashboard 0` run is watched until its PSNR curve gains a point and the L1
 * curve's last point moves; the crops load and the slider switches them; then report.html is opened
 * with the network cut off and its charts draw. Screenshots go to test-artifacts/ (git-ignored).
 * Without Chromium (PCL_CHROMIUM, default /usr/bin/chromium) the tests are skipped with a message.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { tinyImageFolder } from "./helpers/tiny-training.js";

const CHROMIUM = process.env.PCL_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url).pathname;
const browserTest = existsSync(CHROMIUM) ? test.serial : test.skip;
if (!existsSync(CHROMIUM)) console.log(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set PCL_CHROMIUM)`);

let browser: Browser | undefined;
test.before(async () => { if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM }); });
test.after.always(async () => { await browser?.close(); });

// Page code is passed as strings: the tests are type-checked without the DOM's types.
const points = (page: Page, key: string) => page.evaluate(`window.pclDashboard.points(${JSON.stringify(key)})`) as Promise<number>;
const lastStep = (page: Page) => page.evaluate("window.pclDashboard.state.runs[0]?.steps.at(-1)?.iteration ?? 0") as Promise<number>;
/** Every image matching `selector` has loaded (a non-zero natural width). */
const imagesLoaded = (page: Page, selector: string) => page.waitForFunction(`(() => {
  const imgs = [...document.querySelectorAll(${JSON.stringify(selector)})];
  return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
})()`, undefined, { timeout: 20_000 });

let runFolder: string | undefined;

browserTest("a training run's dashboard (train --dashboard 0): the PSNR curve gains a point, the L1 curve moves, the crops load and the slider switches them", async (t) => {
  const data = await tinyImageFolder(3, 24);
  const out = join(mkdtempSync(join(tmpdir(), "pcl-browser-")), "run");
  const child = spawn(process.execPath, ["bin/pcl-stream.js", "train", "test/fixtures/tiny.pcl.ts", "--data", data, "--val", data, "--out", out, "--backend", "cpu", "--validate-every", "5", "--dashboard", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on("close", (code) => reject(new Error(`train exited (${code}) before printing the dashboard URL:\n${stderr}`)));
  });
  try {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1300 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(`window.pclDashboard.points("psnr") >= 1`, undefined, { timeout: 30_000 });
    const [psnr0, step0] = [await points(page, "psnr"), await lastStep(page)];
    await page.waitForFunction(`window.pclDashboard.points("psnr") > ${psnr0}`, undefined, { timeout: 30_000 });
    t.true((await points(page, "psnr")) > psnr0, "a validation added a point to the PSNR curve, without a reload");
    t.true((await lastStep(page)) > step0, "the L1 curve's last point moved");
    t.is(await page.locator("#chart-psnr canvas").count(), 1);
    t.true(Number(await page.locator("#chart-psnr").getAttribute("data-points")) > psnr0);
    await imagesLoaded(page, "img.crop");
    t.is(await page.locator("img.crop").count(), 3);
    t.regex((await page.locator("img.crop").first().getAttribute("src"))!, /-sr\.png$/);
    await page.locator("#crop-kind").fill("0");
    t.regex((await page.locator("img.crop").first().getAttribute("src"))!, /-bicubic\.png$/);
    await imagesLoaded(page, "img.crop");
    await page.locator("#crop-kind").fill("1");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    t.deepEqual(errors, []);
    await page.close();
  } finally {
    child.kill("SIGTERM");
  }
  t.is(await new Promise<number | null>((resolve) => child.on("close", resolve)), 0);
  t.true(existsSync(join(out, "report.html")), "a stopped run still gets its report");
  runFolder = out;
});

browserTest("report.html opens with the network cut off: every chart draws, the crops and the gallery show", async (t) => {
  if (!runFolder) { t.fail("needs the dashboard test's run"); return; }
  const context = await browser!.newContext({ offline: true, viewport: { width: 1280, height: 1600 } });
  const fetched: string[] = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith("file:") || u.startsWith("data:")) return route.continue();
    fetched.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`file://${join(runFolder, "report.html")}`);
  await imagesLoaded(page, "img.crop, img.strip");
  for (const chart of ["l1", "infoNce", "discriminator", "psnr", "ssim"]) {
    t.is(await page.locator(`#chart-${chart} canvas`).count(), 1, chart);
    t.true(Number(await page.locator(`#chart-${chart}`).getAttribute("data-points")) >= 2, chart);
  }
  // The L1 chart's canvas is not blank: some pixels differ from the background.
  const inked = await page.evaluate(`(() => {
    const c = document.querySelector("#chart-l1 canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
    return n;
  })()`) as number;
  t.true(inked > 500);
  t.is(await page.locator("img.strip").count() >= 3, true);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
  t.deepEqual([fetched, errors], [[], []]);
  await context.close();
});
