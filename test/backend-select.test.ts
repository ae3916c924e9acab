/**
 * Backend selection without a GPU: the automatic order (with injected probes), the chosen-backend
 * line, the reasons WebGPU gives when it cannot run, and `PCL_BACKEND=webgpu` on a machine
 * without Vulkan (a child process with the Vulkan variables removed), which must fail and say why.
 */
import test from "ava";
import { BACKEND_NAMES, chosenLine, climbLadder, type BackendName, type BackendProbe } from "../src/backend/ladder.js";
import { findVulkanLoader } from "../src/backend/vulkan-loader.js";
import { adapterLabel, noAdapterReason, softwareOnlyReason, type WebgpuAdapterInfo } from "../src/backend/webgpu.js";
import { selectInChild } from "./helpers/select-backend-child.js";

const NO_TFJS_NODE = "@tensorflow/tfjs-node not loadable (Cannot find package '@tensorflow/tfjs-node' imported from /x/select.ts)";
const NO_TFJS_NODE_GPU = "@tensorflow/tfjs-node-gpu not loadable (Cannot find package '@tensorflow/tfjs-node-gpu' imported from /x/select.ts)";

const H100: WebgpuAdapterInfo = {
  vendor: "nvidia", architecture: "hopper", device: "", description: "NVIDIA H100 80GB HBM3", isFallbackAdapter: false, maxBufferSize: 2 ** 34,
};
const LAVAPIPE: WebgpuAdapterInfo = {
  vendor: "mesa", architecture: "software", device: "llvmpipe-llvm-15-0-6-256-bits-",
  description: "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1", isFallbackAdapter: true, maxBufferSize: 2 ** 32 - 1,
};

/** A probe answering from a table, recording what was asked, in order. */
function fakeProbes(table: Partial<Record<BackendName, Omit<BackendProbe, "name">>>) {
  const asked: BackendName[] = [];
  const probe = async (name: BackendName): Promise<BackendProbe> => {
    asked.push(name);
    return { name, ...(table[name] ?? { ok: false, reason: "not in the table" }) };
  };
  return { asked, probe };
}

test("the automatic order is tensorflow-gpu, webgpu, tensorflow, native, cpu", (t) => {
  t.deepEqual([...BACKEND_NAMES], ["tensorflow-gpu", "webgpu", "tensorflow", "native", "cpu"]);
});

test("the ladder takes the first backend that works and probes nothing after it", async (t) => {
  const { asked, probe } = fakeProbes({
    "tensorflow-gpu": { ok: false, reason: NO_TFJS_NODE_GPU },
    webgpu: { ok: true, description: adapterLabel(H100), software: false },
    tensorflow: { ok: true },
  });
  const { chosen, skipped } = await climbLadder(probe);
  t.is(chosen?.name, "webgpu");
  t.deepEqual(asked, ["tensorflow-gpu", "webgpu"]);
  t.deepEqual(skipped.map((s) => s.name), ["tensorflow-gpu"]);
  t.is(chosenLine(chosen!, skipped, false), "pcl-stream: backend webgpu (nvidia hopper: NVIDIA H100 80GB HBM3)");
});

test("a software-only WebGPU is passed over for tfjs-node, native or cpu, and the line says why", async (t) => {
  const { asked, probe } = fakeProbes({
    "tensorflow-gpu": { ok: false, reason: NO_TFJS_NODE_GPU },
    webgpu: { ok: false, reason: softwareOnlyReason(LAVAPIPE) },
    tensorflow: { ok: false, reason: NO_TFJS_NODE },
    native: { ok: true, description: "avx2, 2 threads" },
  });
  const { chosen, skipped } = await climbLadder(probe);
  t.deepEqual(asked, ["tensorflow-gpu", "webgpu", "tensorflow", "native"]);
  t.is(chosenLine(chosen!, skipped, false),
    "pcl-stream: backend native (tfjs-node not installed; webgpu: software adapter only (mesa software: llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1))");
});

test("tensorflow-gpu without a GPU falls to webgpu; tfjs-node chosen says tfjs-node-gpu is missing", async (t) => {
  const noGpu = fakeProbes({ "tensorflow-gpu": { ok: false, reason: "no GPU visible" }, webgpu: { ok: true, description: adapterLabel(H100) } });
  const a = await climbLadder(noGpu.probe);
  t.is(chosenLine(a.chosen!, a.skipped, false), "pcl-stream: backend webgpu (nvidia hopper: NVIDIA H100 80GB HBM3; tensorflow-gpu: no GPU visible)");
  const noWebgpu = fakeProbes({
    "tensorflow-gpu": { ok: false, reason: NO_TFJS_NODE_GPU },
    webgpu: { ok: false, reason: noAdapterReason("linux", undefined) },
    tensorflow: { ok: true },
  });
  const b = await climbLadder(noWebgpu.probe);
  t.is(chosenLine(b.chosen!, b.skipped, false),
    "pcl-stream: backend tensorflow (tfjs-node-gpu not installed; webgpu: no Vulkan loader: libvulkan.so.1 is not in LD_LIBRARY_PATH, the ldconfig cache, /lib or /usr/lib)");
});

test("when nothing works the ladder returns every reason and no choice", async (t) => {
  const { probe } = fakeProbes({});
  const { chosen, skipped } = await climbLadder(probe);
  t.is(chosen, undefined);
  t.deepEqual(skipped.map((s) => s.name), [...BACKEND_NAMES]);
});

test("a requested backend's line says so, and a software adapter is flagged", (t) => {
  t.is(chosenLine({ name: "webgpu", ok: true, description: adapterLabel(LAVAPIPE), software: true }, [], true),
    "pcl-stream: backend webgpu (requested; mesa software: llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1; software adapter)");
  t.is(chosenLine({ name: "cpu", ok: true }, [], true), "pcl-stream: backend cpu (requested)");
});

test("adapterLabel: vendor architecture: description, with what Dawn leaves empty left out", (t) => {
  t.is(adapterLabel(H100), "nvidia hopper: NVIDIA H100 80GB HBM3");
  t.is(adapterLabel({ ...H100, vendor: "", architecture: "" }), "NVIDIA H100 80GB HBM3");
  t.is(adapterLabel({ ...H100, description: "", device: "0x2330" }), "nvidia hopper: 0x2330");
  t.is(adapterLabel({ ...H100, vendor: "", architecture: "", description: "", device: "" }), "an adapter without a name");
});

test("the no-adapter reasons: no Vulkan loader, a loader without a driver, other platforms", (t) => {
  t.is(noAdapterReason("linux", undefined), "no Vulkan loader: libvulkan.so.1 is not in LD_LIBRARY_PATH, the ldconfig cache, /lib or /usr/lib");
  t.is(noAdapterReason("linux", "/usr/lib/x86_64-linux-gnu/libvulkan.so.1"), "no GPU driver: the Vulkan loader (/usr/lib/x86_64-linux-gnu/libvulkan.so.1) found no device Dawn accepts");
  t.is(noAdapterReason("darwin", undefined), "no WebGPU adapter: Dawn found no Metal device");
  t.is(noAdapterReason("win32", undefined), "no WebGPU adapter: Dawn found no D3D12 or Vulkan device");
  for (const reason of [noAdapterReason("linux", undefined), noAdapterReason("linux", "/l/libvulkan.so.1"), softwareOnlyReason(LAVAPIPE)]) t.false(reason.includes("\n"));
});

test("findVulkanLoader looks in LD_LIBRARY_PATH, then the ldconfig cache, then /lib and /usr/lib", (t) => {
  const files = new Set(["/opt/vk/libvulkan.so.1", "/cache/libvulkan.so.1", "/usr/lib/libvulkan.so.1"]);
  const exists = (p: string) => files.has(p);
  const cache = () => ["/cache/libfoo.so.2", "/cache/libvulkan.so.1"];
  t.is(findVulkanLoader({ LD_LIBRARY_PATH: "/nothing:/opt/vk" }, cache, exists), "/opt/vk/libvulkan.so.1");
  t.is(findVulkanLoader({}, cache, exists), "/cache/libvulkan.so.1");
  t.is(findVulkanLoader({}, () => [], exists), "/usr/lib/libvulkan.so.1");
  t.is(findVulkanLoader({ LD_LIBRARY_PATH: "/opt/vk" }, () => [], () => false), undefined);
});

test("PCL_BACKEND=webgpu without Vulkan is a BackendError that says why, not a fallback", async (t) => {
  const stripped = { VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined, LD_LIBRARY_PATH: undefined, PCL_BACKEND: "webgpu" };
  const systemLoader = process.platform === "linux" ? findVulkanLoader({}) : undefined;
  // Where the system has its own loader (and maybe a GPU), point it at no driver instead.
  const env = systemLoader ? { ...stripped, VK_ICD_FILENAMES: "/nonexistent/icd.json", VK_DRIVER_FILES: "/nonexistent/icd.json" } : stripped;
  const child = await selectInChild(env);
  t.is(child.code, 1, child.stderr);
  t.is(child.info, undefined);
  const reason = systemLoader ? noAdapterReason("linux", systemLoader) : noAdapterReason(process.platform, undefined);
  t.true(child.stderr.startsWith(`BackendError: backend 'webgpu' is not available: ${reason}`), child.stderr);
});

test("--backend with an unknown name lists webgpu among the names", async (t) => {
  const child = await selectInChild({ PCL_BACKEND: "vulkan" });
  t.is(child.code, 1);
  t.is(child.stderr, "BackendError: --backend / PCL_BACKEND: unknown backend 'vulkan' (expected one of tensorflow-gpu, webgpu, tensorflow, native, cpu)");
});
