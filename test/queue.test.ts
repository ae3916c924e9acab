/**
 * The job queue on a real redis-server (started here on a free loopback port, no persistence):
 * three `pcl-stream worker` processes share 60 images while one of them is SIGKILLed holding a job;
 * the failed set, `queue status` and `retry-failed`; idempotent retries; job ids per file version.
 * Skipped with a message where redis-server is not installed.
 */
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { lastValueFrom, Subject, toArray } from "rxjs";
import sharp from "sharp";
import { useBackend } from "../src/backend/index.js";
import { bicubic } from "../src/eval/index.js";
import { enqueueFiles, parseQueueUrl, queueJobId, queueStatus, queueWorker, retryFailedJobs, upscaleFile, type QueueEvent, type QueueWorkerEvent } from "../src/serve/index.js";
import { openQueue } from "../src/serve/queue/open-queue.js";
import { jobDataProblem } from "../src/serve/queue/upscale-job.js";
import { redisServerPath, startRedisServer, type RedisServer } from "./helpers/redis-server.js";

const BIN = resolve("bin/pcl-stream.js");
const REDIS = redisServerPath();
if (!REDIS) console.log("queue tests: redis-server not installed (apt-get install redis-server); the tests that need Redis are skipped");
const withRedis = REDIS ? test.serial : test.skip;

let redis: RedisServer | undefined;
test.before(async () => {
  await useBackend("cpu");
  if (REDIS) redis = await startRedisServer(REDIS);
});
test.after.always(async () => { await redis?.stop(); });

/** A seeded 8-bit RGB texture as PNG bytes (different per seed). */
async function png(size: number, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 3);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = (s >>> 24) & 0xff;
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/** Polls `check` every 200 ms until it returns true, or fails with `what` after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** A CLI process whose JSON lines are collected (and passed to `onLine` as they come). */
function cli(args: readonly string[], onLine?: (e: Record<string, unknown>) => void) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  let stderr = "", partial = "";
  child.stdout!.on("data", (d: Buffer) => {
    const text = partial + d.toString();
    const parts = text.split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      lines.push(e);
      onLine?.(e);
    }
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((res) => child.on("exit", (code, signal) => res(code ?? (signal ? -1 : null))));
  return { child, lines, exit, stderr: () => stderr };
}

test("job ids: one per file version (path, size, mtime); a changed file is a new id", (t) => {
  const id = queueJobId("/data/a.png", 1000, 1700000000123.5);
  t.regex(id, /^pcl-[0-9a-f]{40}$/);
  t.is(queueJobId("/data/a.png", 1000, 1700000000123.5), id);
  t.not(queueJobId("/data/b.png", 1000, 1700000000123.5), id);
  t.not(queueJobId("/data/a.png", 1001, 1700000000123.5), id);
  t.not(queueJobId("/data/a.png", 1000, 1700000000124.5), id);
});

test("queue URLs: host, port, db, password; a bad URL names itself and what was expected", (t) => {
  t.deepEqual(parseQueueUrl("redis://10.0.0.5:6380/2"), { host: "10.0.0.5", port: 6380, db: 2, tls: false });
  t.deepEqual(parseQueueUrl("rediss://:s%40cret@cache.local"), { host: "cache.local", port: 6379, db: 0, password: "s@cret", tls: true });
  t.throws(() => parseQueueUrl("http://x:1"), { name: "QueueError", message: /'http:\/\/x:1': scheme 'http' is not redis \(expected redis:\/\/HOST:PORT/ });
  t.throws(() => parseQueueUrl("redis://x:1/abc"), { message: /database 'abc' is not a non-negative integer/ });
  t.throws(() => parseQueueUrl("localhost:6379"), { message: /expected redis:\/\// });
});

test("job data from Redis is checked field by field", (t) => {
  const good = { input: "/a.png", inputFormat: "png", size: 10, mtimeMs: 1, output: "/b.png", format: "png", suffix: "_x4", scale: 4 };
  t.is(jobDataProblem(good), undefined);
  t.is(jobDataProblem({ ...good, input: "a.png" }), `job data: 'input' must be an absolute path, got "a.png"`);
  t.is(jobDataProblem({ ...good, format: "gif" }), `job data: 'format' must be png | jpg | webp | tiff, got "gif"`);
  t.regex(jobDataProblem(null)!, /must be an object/);
});

withRedis("3 worker processes, 60 images, one worker SIGKILLed holding a job: every image gets exactly one valid output, the queue ends with 60 done", async (t) => {
  const url = redis!.url, queueName = "sigkill";
  const dir = await mkdtemp(join(tmpdir(), "pcl-queue-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(IN);
  const N = 60;
  for (let i = 0; i < N; i++) await writeFile(join(IN, `img${String(i).padStart(2, "0")}.png`), await png(48, i));

  // A short lock and stall check, so the killed worker's job comes back within ~3.5 s.
  const args = (name: string) => ["worker", "--queue", url, "--queue-name", queueName, "--model", "bicubic", "--backend", "cpu", "--name", name,
    "--concurrency", "2", "--lock-ms", "3000", "--stalled-check-ms", "500", "--json"];
  // A is frozen (SIGSTOP) the moment it reports starting its third job; if Redis shows it holding a
  // job then, it is SIGKILLed, else it goes on (SIGCONT) and the next start is tried.
  const { queue, close } = await openQueue({ queue: url, queueName });
  t.teardown(close);
  let startsOfA = 0, checking = false;
  let killedJobs: string[] = [];
  const freezeAndCheck = async (): Promise<void> => {
    workers.A.child.kill("SIGSTOP");
    const held = (await queue.getActive()).filter((job) => job.processedBy === "A").map((job) => job.id!);
    if (held.length === 0) {
      workers.A.child.kill("SIGCONT");
      checking = false;
      return;
    }
    killedJobs = held;
    workers.A.child.kill("SIGKILL");
  };
  const workers = {
    A: cli(args("A"), (e) => {
      if (e.type !== "started" || ++startsOfA < 3 || checking) return;
      checking = true;
      void freezeAndCheck();
    }),
    B: cli(args("B")),
    C: cli(args("C")),
  };
  t.teardown(() => { for (const w of Object.values(workers)) if (w.child.exitCode === null) w.child.kill("SIGKILL"); });
  // Jobs go in once all three take jobs, so that each gets a share.
  await until("three workers ready", 60000, async () => Object.values(workers).every((w) => w.lines.some((e) => e.type === "ready")));
  const enqueue = cli(["enqueue", "--queue", url, "--queue-name", queueName, IN, "-o", OUT, "--json"]);
  t.is(await enqueue.exit, 0, enqueue.stderr());
  t.is(enqueue.lines.filter((e) => e.type === "queued").length, N);
  await until(`A caught holding a job (${startsOfA} starts so far)`, 60000, async () => killedJobs.length > 0);
  t.is(await workers.A.exit, -1);

  await until("60 jobs done", 60000, async () => (await queueStatus({ queue: url, queueName })).done === N);
  const status = await queueStatus({ queue: url, queueName });
  t.like(status, { waiting: 0, active: 0, delayed: 0, done: N, failed: 0 });
  for (const id of killedJobs) {
    const job = (await queue.getJob(id))!;
    t.is(await job.getState(), "completed", `job ${id} that A held`);
    t.true(job.stalledCounter >= 1, "it came back through stall detection");
    t.not(job.processedBy, "A");
  }
  t.true([...workers.B.lines, ...workers.C.lines].some((e) => e.type === "stalled" && killedJobs.includes(e.jobId as string)), "B or C reported the stalled job");

  // Exactly one output per input, no temp files, each a valid 4x image stamped with its input's mtime.
  const outputs = (await readdir(OUT)).sort();
  t.deepEqual(outputs, Array.from({ length: N }, (_, i) => `img${String(i).padStart(2, "0")}_x4.png`));
  for (const name of outputs) {
    const meta = await sharp(join(OUT, name)).metadata();
    t.deepEqual([meta.width, meta.height, meta.format], [192, 192, "png"], name);
    t.true(Math.abs((await stat(join(OUT, name))).mtimeMs - (await stat(join(IN, name.replace("_x4", "")))).mtimeMs) <= 1, `${name} is stamped with its input's mtime`);
  }
  // The killed job's output equals what `upscaleFile` makes of the same input.
  const killedInput = ((await queue.getJob(killedJobs[0]))!.data as { input: string }).input;
  const reference = join(dir, "reference.png");
  await upscaleFile(killedInput, reference, bicubic(4));
  const [got, want] = await Promise.all([sharp(join(OUT, killedInput.split("/").pop()!.replace(".png", "_x4.png"))).raw().toBuffer(), sharp(reference).raw().toBuffer()]);
  t.true(got.equals(want));

  // Graceful shutdown: SIGTERM, nothing in flight, exit 0.
  workers.B.child.kill("SIGTERM");
  workers.C.child.kill("SIGTERM");
  t.deepEqual([await workers.B.exit, await workers.C.exit], [0, 0], workers.B.stderr() + workers.C.stderr());
  t.true(workers.B.lines.some((e) => e.type === "stopping"));
});

withRedis("failures: after --attempts a job is in the failed set with its error; status shows it; retry-failed re-queues it; retries and re-enqueues do not redo outputs", async (t) => {
  const location = { queue: redis!.url, queueName: "failures" };
  const dir = await mkdtemp(join(tmpdir(), "pcl-queue-fail-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(IN);
  await writeFile(join(IN, "good.png"), await png(16, 1));
  await writeFile(join(IN, "away.png"), await png(16, 2));
  await writeFile(join(IN, "corrupt.png"), (await png(16, 3)).subarray(0, 60)); // a PNG cut short: the signature passes, the decoder fails
  const enqueue = () => lastValueFrom(enqueueFiles(IN, { ...location, outDir: OUT, attempts: 2, backoffMs: 100 }).pipe(toArray()));
  const first = await enqueue();
  t.deepEqual(first.map((e) => e.type).sort(), ["queued", "queued", "queued"]);
  t.deepEqual((await enqueue()).map((e) => e.type), ["already-queued", "already-queued", "already-queued"], "the same versions are not queued twice");

  // A first run that wrote good.png's output and died before completing the job: the retry must not redo it.
  await upscaleFile(join(IN, "good.png"), join(OUT, "good_x4.png"), bicubic(4), { mtimeMs: (await stat(join(IN, "good.png"))).mtimeMs });
  const before = await stat(join(OUT, "good_x4.png"));
  // Storage away: the file is not there when the worker looks (it comes back with the same size and mtime below).
  await rename(join(IN, "away.png"), join(dir, "away.png"));

  const stop = new Subject<void>();
  const worker = lastValueFrom(queueWorker({ ...location, upscaler: bicubic(4), stop, lockMs: 5000 }).pipe(toArray()));
  await until("1 done and 2 failed", 30000, async () => {
    const s = await queueStatus(location);
    return s.done === 1 && s.failed === 2;
  });
  const status = await queueStatus(location);
  t.like(status, { waiting: 0, active: 0, delayed: 0, done: 1, failed: 2 });
  const byFile = new Map(status.lastFailures.map((f) => [f.file.split("/").pop(), f]));
  t.regex(byFile.get("corrupt.png")!.error, /corrupt\.png: cannot read as an image/);
  t.regex(byFile.get("away.png")!.error, /cannot read the input .*away\.png \(ENOENT\)/);
  t.is(byFile.get("corrupt.png")!.attempts, 2);
  const after = await stat(join(OUT, "good_x4.png"));
  t.deepEqual([after.ino, after.mtimeMs, after.ctimeMs], [before.ino, before.mtimeMs, before.ctimeMs], "the output of this input version was not rewritten");

  // The CLI's view of the same queue.
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, "queue", "status", "--queue", location.queue, "--queue-name", location.queueName, "--json"]);
  const json = JSON.parse(stdout) as { done: number; failed: number; waiting: number; active: number; lastFailures: { file: string; error: string }[] };
  t.like(json, { done: 1, failed: 2, waiting: 0, active: 0 });
  t.is(json.lastFailures.length, 2);

  // The storage is back: retry-failed re-queues both; away.png now succeeds, corrupt.png fails its 2 attempts again.
  await rename(join(dir, "away.png"), join(IN, "away.png"));
  const retried = await retryFailedJobs(location);
  t.deepEqual(retried.map((f) => f.file.split("/").pop()).sort(), ["away.png", "corrupt.png"]);
  await until("away.png done after the retry", 30000, async () => {
    const s = await queueStatus(location);
    return s.done === 2 && s.failed === 1;
  });
  t.is((await sharp(join(OUT, "away_x4.png")).metadata()).width, 64);
  t.is((await queueStatus(location)).lastFailures[0].attempts, 2, "its tries were counted afresh");

  // An output deleted after its job completed: enqueue queues that version again (the finished record is replaced).
  await rm(join(OUT, "away_x4.png"));
  const again = await enqueue();
  t.deepEqual(again.filter((e): e is Extract<QueueEvent, { type: "queued" }> => e.type === "queued").map((e) => e.file.split("/").pop()), ["away.png"]);
  await until("away.png redone", 30000, async () => (await stat(join(OUT, "away_x4.png")).catch(() => undefined)) !== undefined && (await queueStatus(location)).done === 2);

  // A changed input is a new job.
  const bumped = (await stat(join(IN, "good.png"))).mtimeMs / 1000 + 10;
  await utimes(join(IN, "good.png"), bumped, bumped);
  const changed = await enqueue();
  t.is(changed.find((e) => e.type === "queued" && e.file.endsWith("good.png"))?.type, "queued");
  await until("the changed good.png done", 30000, async () => (await queueStatus(location)).done === 3);

  stop.next();
  const events: QueueWorkerEvent[] = await worker;
  t.is(events.at(-1)?.type, "stopping");
  t.true(events.some((e) => e.type === "skipped" && e.reason === "up-to-date" && e.file.endsWith("good.png")));
  t.is(events.filter((e) => e.type === "failed" && e.file.endsWith("corrupt.png")).length, 4);
  t.deepEqual(events.filter((e) => e.type === "failed" && e.file.endsWith("corrupt.png")).map((e) => (e as { final: boolean }).final), [false, true, false, true]);
});

withRedis("watch --queue: two watchers of one folder queue each file version once (backlog and new files); SIGINT stops them", async (t) => {
  const location = { queue: redis!.url, queueName: "watchers" };
  const dir = await mkdtemp(join(tmpdir(), "pcl-queue-watch-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(IN);
  await writeFile(join(IN, "a.png"), await png(16, 1));
  await writeFile(join(IN, "b.png"), await png(16, 2));
  const watcher = () => cli(["watch", IN, OUT, "--queue", location.queue, "--queue-name", location.queueName, "--stable-ms", "100", "--json"]);
  const watchers = [watcher(), watcher()];
  t.teardown(() => { for (const w of watchers) if (w.child.exitCode === null) w.child.kill("SIGKILL"); });
  const reported = (file: string) => watchers.every((w) => w.lines.some((e) => (e.type === "queued" || e.type === "already-queued") && (e.file as string).endsWith(file)));
  await until("both watchers to report the backlog", 30000, async () => reported("a.png") && reported("b.png"));
  await writeFile(join(IN, "c.png"), await png(16, 3));
  await until("both watchers to report c.png", 30000, async () => reported("c.png"));
  t.like(await queueStatus(location), { waiting: 3, active: 0, done: 0, failed: 0 });
  const { queue, close } = await openQueue(location);
  t.teardown(close);
  const outputs = (await queue.getWaiting()).map((job) => (job.data as { input: string; output: string }).output.split("/").pop()).sort();
  t.deepEqual(outputs, ["a_x4.png", "b_x4.png", "c_x4.png"]);
  for (const w of watchers) w.child.kill("SIGINT");
  t.deepEqual(await Promise.all(watchers.map((w) => w.exit)), [0, 0]);
});

withRedis("a password and a database in the URL: AUTH and SELECT; a wrong password is a QueueError with Redis's reason", async (t) => {
  const locked = await startRedisServer(REDIS!, ["--requirepass", "s3cret"]);
  t.teardown(() => locked.stop());
  const url = `redis://:s3cret@127.0.0.1:${locked.port}/3`;
  const events = await lastValueFrom(enqueueFiles(resolve("test/fixtures/baboon.png"), { queue: url, outDir: join(tmpdir(), "pcl-queue-auth-out") }).pipe(toArray()));
  t.deepEqual(events.map((e) => e.type), ["queued"]);
  t.like(await queueStatus({ queue: url }), { waiting: 1, queue: `redis://:***@127.0.0.1:${locked.port}/3` });
  t.like(await queueStatus({ queue: `redis://:s3cret@127.0.0.1:${locked.port}/4` }), { waiting: 0 }, "another database is another queue");
  await t.throwsAsync(queueStatus({ queue: `redis://:wrong@127.0.0.1:${locked.port}` }), { name: "QueueError", message: /WRONGPASS/ });
});

withRedis("an unreachable Redis is a QueueError naming the URL, not a hang", async (t) => {
  const start = Date.now();
  await t.throwsAsync(queueStatus({ queue: "redis://127.0.0.1:1" }), { name: "QueueError", message: /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/ });
  t.true(Date.now() - start < 6000);
});
