/**
 * The webgpu backend on a real adapter: lavapipe (software Vulkan) in CI, a GPU where there is
 * one. Without an adapter these tests are skipped, with a title saying how to enable them
 * (eval "$(scripts/install-lavapipe.sh)" before `npm test`), unless PCL_REQUIRE_WEBGPU=1 (CI),
 * where a missing adapter is a failure.
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { selectBackend, selectedBackendInfo } from "../src/backend/select.js";
import { findVulkanLoader } from "../src/backend/vulkan-loader.js";
import { adapterLabel, noAdapterReason, probeWebgpu, registerWebgpuBackend, softwareOnlyReason } from "../src/backend/webgpu.js";
import { conv2dBiasActivation } from "../src/ops/conv2d-bias-activation.js";
import { maxAbsDiff, randomTensor4d, seededRandom } from "./helpers/ops-testing.js";
import { selectInChild } from "./helpers/select-backend-child.js";

const probe = await probeWebgpu();
const required = process.env.PCL_REQUIRE_WEBGPU === "1";
const missing = probe.ok ? undefined : `no WebGPU adapter: ${probe.reason}`;
const webgpu = probe.ok ? test.serial : test.skip;
// The first skipped title says why and how to enable them; the others only that they are skipped.
const firstSuffix = missing ? ` [skipped: ${missing}; enable with eval "$(scripts/install-lavapipe.sh)" before npm test]` : "";
const suffix = missing ? " [skipped: no WebGPU adapter]" : "";

if (missing && required) {
  test("PCL_REQUIRE_WEBGPU=1: a WebGPU adapter is present", (t) => {
    t.fail(`${missing} (with software Vulkan: eval "$(scripts/install-lavapipe.sh)" before npm test)`);
  });
}

const CONV = { stride: 1, pad: "same", activation: "leakyRelu", alpha: 0.2 } as const;

/** x: [1,7,9,3], 3x3 filter to 5 channels, bias, leaky ReLU: forward, and the gradients of a weighted sum. */
function tinyConv() {
  const rand = seededRandom(11);
  const x = randomTensor4d(rand, [1, 7, 9, 3]);
  const filter = randomTensor4d(rand, [3, 3, 3, 5]);
  const bias = tf.tensor1d(Array.from({ length: 5 }, () => rand() - 0.5));
  const weights = randomTensor4d(rand, [1, 7, 9, 5]);
  const y = conv2dBiasActivation(x, filter, bias, CONV);
  const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
    tf.sum(tf.mul(conv2dBiasActivation(xx as tf.Tensor4D, ff as tf.Tensor4D, bias, CONV), weights)))([x, filter]);
  return { y, dx: grads[0], dfilter: grads[1] };
}

async function read(r: ReturnType<typeof tinyConv>): Promise<Float32Array[]> {
  return Promise.all([r.y, r.dx, r.dfilter].map(async (t) => (await t.data()) as Float32Array)); // dataSync may throw on webgpu
}

let cpuReference: Float32Array[] = [];

if (probe.ok) test.before(async () => {
  // The cpu reference first, in this process, before webgpu is selected (selectBackend decides once).
  await tf.setBackend("cpu");
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false; // no "install tfjs-node" banner
  const { registerGradients } = await import("../src/backend/gradients.js");
  await registerGradients();
  cpuReference = await read(tinyConv());
});

webgpu(`registerWebgpuBackend refuses a software adapter unless allowed, and registers once${firstSuffix}`, async (t) => {
  if (!probe.ok) return t.fail();
  const strict = await registerWebgpuBackend({ allowSoftware: false });
  if (probe.software) t.deepEqual(strict, { ok: false, reason: softwareOnlyReason(probe.adapter) });
  else t.true(strict.ok);
  const first = await registerWebgpuBackend({ allowSoftware: true });
  const second = await registerWebgpuBackend({ allowSoftware: true });
  t.deepEqual(first, { ok: true, adapter: probe.adapter, software: probe.software, description: adapterLabel(probe.adapter) });
  t.deepEqual(second, first);
  t.truthy(tf.findBackendFactory("webgpu"));
  t.true(probe.adapter.maxBufferSize > 0);
  t.log(`adapter: ${adapterLabel(probe.adapter)}${probe.software ? " (software)" : ""}, maxBufferSize ${probe.adapter.maxBufferSize}`);
});

webgpu(`selectBackend("webgpu") activates it and names the adapter${suffix}`, async (t) => {
  if (!probe.ok) return t.fail();
  t.is(await selectBackend("webgpu", { quiet: true }), "webgpu");
  t.is(tf.getBackend(), "webgpu");
  t.deepEqual(selectedBackendInfo(), { name: "webgpu", description: adapterLabel(probe.adapter), software: probe.software });
});

webgpu(`a tiny conv + bias + leaky ReLU and its gradients on webgpu match cpu${suffix}`, async (t) => {
  await selectBackend("webgpu", { quiet: true });
  t.is(tf.getBackend(), "webgpu");
  const got = await read(tinyConv());
  ["y", "dx", "dfilter"].forEach((name, i) => {
    const diff = maxAbsDiff(got[i], cpuReference[i]);
    t.true(diff < 1e-4, `${name}: max |webgpu - cpu| = ${diff}`);
    t.log(`${name}: max |webgpu - cpu| = ${diff.toExponential(2)} over ${got[i].length} values`);
  });
});

webgpu(`the automatic choice does not take a software adapter; with a loader but no driver the reason says so${suffix}`, async (t) => {
  if (!probe.ok) return t.fail();
  const auto = await selectInChild({ PCL_BACKEND: undefined });
  t.is(auto.code, 0, auto.stderr);
  if (probe.software) {
    t.not(auto.info?.name, "webgpu");
    t.true(auto.stderr.includes(`webgpu: ${softwareOnlyReason(probe.adapter)}`), auto.stderr);
  } else {
    t.like(auto.info, { name: "webgpu", description: adapterLabel(probe.adapter), software: false });
  }
  const loader = findVulkanLoader();
  if (process.platform !== "linux" || !loader) return;
  const noDriver = await selectInChild({ PCL_BACKEND: "webgpu", VK_ICD_FILENAMES: "/nonexistent/icd.json", VK_DRIVER_FILES: "/nonexistent/icd.json" });
  t.is(noDriver.code, 1);
  t.true(noDriver.stderr.startsWith(`BackendError: backend 'webgpu' is not available: ${noAdapterReason("linux", loader)}`), noDriver.stderr);
});
