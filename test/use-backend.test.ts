/**
 * useBackend(): the choice it returns and why, one backend per process, its errors; and the
 * library's entry functions choosing one themselves when none was chosen. A fresh process each
 * (the tfjs backend is process-wide).
 */
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname;

async function inChild(code: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import=tsx", "--conditions=pcl-stream-source", "--input-type=module", "-e", code], {
    cwd: ROOT, env: { ...process.env, PCL_BACKEND: undefined, ...env },
  });
  return JSON.parse(stdout);
}

const errorOf = `const errorOf = async (f) => { try { await f(); return null; } catch (e) { return { name: e.name, message: e.message }; } };`;

test("useBackend(name): the requested backend, nothing skipped, its summary line; the same call again answers the same choice; another name, or a name it does not know, is a BackendError", async (t) => {
  const r = await inChild(`${errorOf}
    import { useBackend, currentBackend } from "pcl-stream/backend";
    const unknown = await errorOf(() => useBackend("vulkan"));
    const workload = await errorOf(() => useBackend("cpu", { workload: "serving" }));
    const first = await useBackend("cpu");
    const again = await useBackend();
    const same = await useBackend("cpu");
    const other = await errorOf(() => useBackend("native"));
    console.log(JSON.stringify({ unknown, workload, first, sameObject: again === first && same === first && currentBackend() === first, other }));`);
  t.like(r, {
    unknown: { name: "BackendError", message: 'useBackend: unknown backend "vulkan" (expected one of tensorflow-gpu, webgpu, tensorflow, native, cpu)' },
    workload: { name: "BackendError", message: 'useBackend: workload must be "training" or "inference", got "serving"' },
    first: { name: "cpu", requested: true, skipped: [], allocatorTuned: false, summary: "pcl-stream: backend cpu (requested)" },
    sameObject: true,
    other: { name: "BackendError", message: "useBackend: backend 'cpu' is already in use in this process (asked for 'native'); a process runs one backend" },
  });
});

test("useBackend(): the automatic choice lists the better backends it passed over, with why", async (t) => {
  const auto = await inChild(`import { useBackend } from "pcl-stream/backend"; console.log(JSON.stringify(await useBackend()));`) as { name: string; requested: boolean; skipped: { name: string; reason: string }[]; summary: string };
  t.false(auto.requested);
  const order = ["tensorflow-gpu", "webgpu", "tensorflow", "native", "cpu"];
  t.deepEqual(auto.skipped.map((s) => s.name), order.slice(0, order.indexOf(auto.name)));
  t.true(auto.skipped.every((s) => s.reason.length > 0));
  t.true(auto.summary.startsWith(`pcl-stream: backend ${auto.name}`));
});

test("PCL_BACKEND names the backend; one it does not know is a BackendError naming the variable", async (t) => {
  const env = await inChild(`${errorOf} import { useBackend } from "pcl-stream/backend"; console.log(JSON.stringify(await errorOf(() => useBackend())));`, { PCL_BACKEND: "vulkan" });
  t.deepEqual(env, { name: "BackendError", message: "PCL_BACKEND: unknown backend 'vulkan' (expected one of tensorflow-gpu, webgpu, tensorflow, native, cpu)" });
});

test("without useBackend, the entry functions choose one themselves (here PCL_BACKEND's, gradients included), so ops have a backend", async (t) => {
  const r = await inChild(`
    import { currentBackend } from "pcl-stream/backend";
    import { loadUpscaler } from "pcl-stream/serve";
    import { haarSplit } from "pcl-stream/ops";
    import * as tf from "@tensorflow/tfjs-core";
    const none = currentBackend() === undefined;
    await loadUpscaler("bicubic");
    const g = tf.grad((x) => tf.sum(haarSplit(x).hh))(tf.ones([1, 2, 2, 1]));
    console.log(JSON.stringify({ none, chosen: currentBackend()?.name, requested: currentBackend()?.requested, grad: Array.from(await g.data()) }));`, { PCL_BACKEND: "cpu" });
  t.deepEqual(r, { none: true, chosen: "cpu", requested: true, grad: [0.5, -0.5, -0.5, 0.5] });
});
