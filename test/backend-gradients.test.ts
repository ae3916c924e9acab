/**
 * pcl-stream's gradients are registered by a call, can be undone by a module that registers
 * tfjs's stock set (as @tensorflow/tfjs does when tfjs-node loads it), are detected when they
 * are, and are put back by registerGradients() and by selectBackend.
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import { checkGradients, GradientError, PCL_GRADIENTS, registerGradients } from "../src/backend/gradients.js";
import { BackendError, selectBackend } from "../src/backend/select.js";
import { leakyReluGradConfig } from "../src/ops/leaky-relu-grad.js";
import { meanGradConfig, sumGradConfig } from "../src/ops/reduce-grads.js";

test.serial("before registerGradients() nothing of ours is registered, and checkGradients says so", (t) => {
  const err = t.throws(() => checkGradients(), { instanceOf: GradientError });
  t.deepEqual(err?.kernels, PCL_GRADIENTS.map((g) => g.kernelName));
  t.regex(err?.message ?? "", /registerGradients\(\) was never called/);
});

test.serial("registerGradients() registers tfjs's stock gradients and ours over them", async (t) => {
  await registerGradients();
  t.notThrows(() => checkGradients());
  for (const g of PCL_GRADIENTS) t.is(tf.getGradient(g.kernelName), g, g.kernelName);
  t.truthy(tf.getGradient("Conv2D"), "a stock gradient pcl-stream does not override");
  t.is(new Set(PCL_GRADIENTS.map((g) => g.kernelName)).size, PCL_GRADIENTS.length, "one config per kernel");
});

test.serial("tfjs's stock LeakyRelu gradient registered again is named by checkGradients, and registerGradients() puts ours back", async (t) => {
  await registerGradients();
  // The very config object tfjs-core's register_all_gradients registered (the resolve hook is in place now).
  const { leakyReluGradConfig: stock } = await import("@tensorflow/tfjs-core/dist/gradients/LeakyRelu_grad.js");
  t.not(stock, leakyReluGradConfig);
  tf.registerGradient(stock);
  const err = t.throws(() => checkGradients(), { instanceOf: GradientError });
  t.true(err instanceof BackendError);
  t.deepEqual(err?.kernels, ["LeakyRelu"]);
  t.regex(err?.message ?? "", /LeakyRelu: tfjs-core's stock gradient/);
  t.notRegex(err?.message ?? "", /Sum|Mean|MirrorPad|FusedConv2D/);
  await registerGradients();
  t.notThrows(() => checkGradients());
  t.is(tf.getGradient("LeakyRelu"), leakyReluGradConfig);
});

test.serial("a gradient from some other module is named as such, every replaced kernel listed", async (t) => {
  await registerGradients();
  tf.registerGradient({ kernelName: "Sum", gradFunc: (dy) => ({ x: () => tf.onesLike(dy as tf.Tensor) }) });
  tf.registerGradient({ ...meanGradConfig }); // same functions, another object: not ours
  const err = t.throws(() => checkGradients(), { instanceOf: GradientError });
  t.deepEqual(err?.kernels, ["Sum", "Mean"]);
  t.regex(err?.message ?? "", /Sum: another module's gradient; Mean: another module's gradient/);
  await registerGradients();
  t.notThrows(() => checkGradients());
});

test.serial("selectBackend (the automatic order: every backend module it probes loaded) leaves ours registered, over what was there", async (t) => {
  tf.registerGradient({ ...sumGradConfig }); // as a backend module registering its own would
  t.throws(() => checkGradients(), { instanceOf: GradientError });
  await selectBackend(undefined, { quiet: true });
  t.notThrows(() => checkGradients());
  t.is(tf.getGradient("Sum"), sumGradConfig);
});
