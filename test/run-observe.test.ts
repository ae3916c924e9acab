/**
 * Following a run folder, the self-contained report and the dashboard server, without a browser
 * (test/browser.test.ts drives Chromium): whole lines only, run.json per segment, a report with no
 * external reference, SSE state then appended lines, crops served from val/ and nothing else.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { useBackend } from "../src/backend/index.js";
import { buildReport, followRun, readRunLog, RunReadError, startDashboard, train, type RunInfo } from "../src/train/index.js";
import { commandLine } from "../src/train/write-run-info.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const step = (iteration: number, l1: number) => JSON.stringify({ time: new Date(1_700_000_000_000 + iteration * 1000).toISOString(), type: "step", iteration, generator: l1, discriminator: null, terms: { l1 }, lrGenerator: 1e-3, gradNormGenerator: 0.5, contrastive: false, itPerSec: 2, elapsedMs: 1, etaSeconds: 10 });

/** A real tiny run (3 validations, crops), shared by the tests below. */
let run: Promise<string> | undefined;
const tinyRun = () => (run ??= (async () => {
  await useBackend("cpu");
  const data = await tinyImageFolder(3, 24);
  const out = join(tmp("pcl-observe-"), "tiny");
  await lastValueFrom(train(tinySpec({ iterations: 6, validateEvery: 2 }), { data, val: data, out }).pipe(toArray()));
  return out;
})());

test("the follower reads whole lines only, counts completed iterations, and sees run.json change", (t) => {
  const dir = tmp("pcl-follow-");
  const f = followRun(dir);
  t.is(f.poll(), null, "no files yet: nothing");
  writeFileSync(join(dir, "metrics.jsonl"), `${step(0, 0.5)}\n${step(1, 0.4).slice(0, 20)}`);
  const first = f.poll();
  t.deepEqual(first?.steps.map((s) => [s.iteration, s.terms.l1]), [[1, 0.5]]);
  t.is(f.poll(), null, "half a line waits");
  appendFileSync(join(dir, "metrics.jsonl"), `${step(1, 0.4).slice(20)}\n`);
  t.deepEqual(f.poll()?.steps.map((s) => s.iteration), [2]);
  const info: RunInfo = { graph: "g", scale: 2, recipe: "r", segments: [] };
  writeFileSync(join(dir, "run.json"), JSON.stringify(info));
  t.deepEqual(f.poll(), { steps: [], validations: [], info });
  t.deepEqual(f.current().steps.map((s) => s.iteration), [1, 2]);
  appendFileSync(join(dir, "metrics.jsonl"), "{oops\n");
  t.throws(() => f.poll(), { instanceOf: RunReadError, message: /metrics\.jsonl:3: not a JSON line/ });
  t.throws(() => followRun(join(dir, "nope")), { instanceOf: RunReadError, message: /no such run folder/ });
  t.throws(() => readRunLog(tmp("pcl-empty-")), { instanceOf: RunReadError, message: /no metrics\.jsonl/ });
});

test.serial("a run records run.json (one segment per start, with the command line) and its crops in the metrics", async (t) => {
  const out = await tinyRun();
  const log = readRunLog(out);
  t.is(log.info?.graph, "tiny");
  t.is(log.info?.segments.length, 1);
  t.like(log.info?.segments[0], { backend: "cpu", fromIteration: 0, toIteration: 6, seed: 3 });
  t.deepEqual(log.validations.map((v) => [v.iteration, v.crops.length]), [[2, 3], [4, 3], [6, 3]]);
  t.deepEqual(log.steps.map((s) => s.iteration), [1, 2, 3, 4, 5, 6]);
  t.is(commandLine(["node", "/x/bin/pcl-stream.js", "train", "g.pcl.ts", "--out", "my runs/a"]), "pcl-stream train g.pcl.ts --out 'my runs/a'");
  t.is(commandLine(["node", "/x/script.mjs", "--flag"]), "node /x/script.mjs --flag");
});

test.serial("the report is one file: uPlot, the script, the numbers and the crops inline, nothing fetched", async (t) => {
  const out = await tinyRun();
  const html = buildReport([out, out], { title: "two <runs>" });
  t.regex(html, /<title>two &lt;runs&gt;<\/title>/);
  t.notRegex(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org|github\.com\/leeoniya)[a-z]/i, "no external script, stylesheet or URL (uPlot's SVG namespace and its license comment aside)");
  const data = JSON.parse(/window\.PCL_REPORT = (.*);<\/script>/.exec(html)![1]) as { runs: { name: string; steps: unknown[]; validations: { iteration: number; crops: { sr: string }[] }[]; gallery: { label: string; crops: { strip: string }[] }[] }[] };
  t.is(data.runs.length, 2);
  const r = data.runs[0];
  t.is(r.steps.length, 6);
  t.deepEqual(r.validations.map((v) => v.crops.length), [0, 0, 3], "only the latest validation's crops are carried for the slider");
  t.true(r.validations[2].crops.every((c) => c.sr.startsWith("data:image/png;base64,")));
  const sr = Buffer.from(r.validations[2].crops[0].sr.split(",")[1], "base64");
  t.deepEqual(sr, readFileSync(join(out, "val", "6", "0-img0-sr.png")));
  t.true(r.gallery.length >= 1 && r.gallery[0].label === "best");
  t.throws(() => buildReport([]), { instanceOf: TypeError });
});

const get = (url: string): Promise<{ status: number; type: string; body: Buffer }> => new Promise((resolve, reject) => {
  request(url, (res) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body: Buffer.concat(chunks) }));
  }).on("error", reject).end();
});

test.serial("the dashboard serves the page, uPlot from node_modules and the crops (nothing outside val/), on loopback", async (t) => {
  const out = await tinyRun();
  const d = await startDashboard([out], { port: 0 });
  try {
    t.regex(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(d.url);
    t.is(page.status, 200);
    t.regex(page.body.toString(), /<script src="uplot\.js"><\/script>/);
    const uplot = await get(`${d.url}uplot.js`);
    t.deepEqual(uplot.body.toString(), readFileSync("node_modules/uplot/dist/uPlot.iife.min.js", "utf8"));
    t.is((await get(`${d.url}client.js`)).status, 200);
    const crop = await get(`${d.url}runs/0/val/6/0-img0-hr.png`);
    t.deepEqual([crop.status, crop.type], [200, "image/png"]);
    t.deepEqual(crop.body, readFileSync(join(out, "val", "6", "0-img0-hr.png")));
    for (const bad of ["runs/0/val/../metrics.jsonl", "runs/0/val/%2e%2e/latest/weights.png", "runs/1/val/6/0-img0-hr.png", "runs/0/latest/checkpoint.json"]) {
      t.is((await get(`${d.url}${bad}`)).status, 404, bad);
    }
    t.is((await get(`${d.url}runs/0/val/%E0%A4%A.png`)).status, 400, "a malformed escape is refused, not a crash");
    t.is((await get(d.url)).status, 200, "and the server goes on");
  } finally {
    await d.close();
  }
  await t.throwsAsync(startDashboard([join(out, "nope")]), { instanceOf: RunReadError });
});

test("the event stream sends the state, then each appended line as it is written", async (t) => {
  const dir = tmp("pcl-sse-");
  writeFileSync(join(dir, "metrics.jsonl"), `${step(0, 0.5)}\n`);
  const d = await startDashboard([dir], { port: 0, pollMs: 50 });
  try {
    const messages: { event: string; data: { runs?: { steps: unknown[] }[]; run?: number; steps?: { iteration: number }[] } }[] = [];
    let buffer = "";
    const req = request(`${d.url}events`, (res) => {
      t.is(res.headers["content-type"], "text/event-stream");
      res.on("data", (c: Buffer) => {
        buffer += c.toString();
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end); buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) as never });
        }
      });
    });
    req.end();
    const until = async (n: number) => { for (let i = 0; i < 100 && messages.length < n; i++) await new Promise((r) => setTimeout(r, 30)); };
    await until(1);
    t.is(messages[0].event, "state");
    t.is(messages[0].data.runs?.[0].steps.length, 1);
    appendFileSync(join(dir, "metrics.jsonl"), `${step(1, 0.4)}\n${step(2, 0.3)}\n`);
    await until(2);
    t.is(messages[1].event, "append");
    t.deepEqual([messages[1].data.run, messages[1].data.steps?.map((s) => s.iteration)], [0, [2, 3]]);
    req.destroy();
  } finally {
    await d.close();
  }
});

test("`pcl-stream report` writes one run's report into its folder, a comparison with -o, and refuses a folder that is not a run", async (t) => {
  const a = tmp("pcl-rep-a-"), b = tmp("pcl-rep-b-");
  writeFileSync(join(a, "metrics.jsonl"), `${step(0, 0.5)}\n`);
  writeFileSync(join(b, "metrics.jsonl"), `${step(0, 0.6)}\n`);
  const cli = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, ["bin/pcl-stream.js", "report", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let o = "", e = "";
    c.stdout.on("data", (d: Buffer) => { o += d.toString(); });
    c.stderr.on("data", (d: Buffer) => { e += d.toString(); });
    c.on("close", (code) => resolve({ code, out: o, err: e }));
  });
  const both = join(tmp("pcl-rep-"), "ab.html");
  const [one, two, none, notRun] = await Promise.all([cli([a]), cli([a, b, "-o", both]), cli([a, b]), cli([join(a, "nope")])]);
  t.deepEqual([one.code, one.out.trim()], [0, join(a, "report.html")]);
  t.is(two.code, 0);
  t.regex(readFileSync(both, "utf8"), /"name":"pcl-rep-b-/);
  t.deepEqual([none.code, /need -o FILE/.test(none.err)], [2, true]);
  t.deepEqual([notRun.code, /no such run folder/.test(notRun.err)], [2, true]);
});
