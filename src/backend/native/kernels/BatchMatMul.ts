/** BatchMatMul / _FusedMatMul on the addon's packed GEMM (batch dims equal or one side of batch 1). */
import { BatchMatMul, _FusedMatMul } from "@tensorflow/tfjs-core";
import type { BatchMatMulAttrs, TensorInfo, _FusedMatMulAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { activationCode, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";
import type { KernelArgs } from "./util.js";

function matmulNative({ inputs, backend, attrs }: KernelArgs, bias: TensorInfo | null, act: number, alpha: number): TensorInfo | null {
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const av = f32(backend, a), bv = f32(backend, b);
  if (!av || !bv) return null;
  const ra = a.shape.length, rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const Ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (Ka !== Kb) return null; // let cpu raise its own error
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const ba = sizeOf(batchA), bb = sizeOf(batchB);
  let outBatch: number[];
  if (ba === bb && batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i])) outBatch = batchA;
  else if (ba === 1) outBatch = batchB.length ? batchB : batchA;
  else if (bb === 1) outBatch = batchA.length ? batchA : batchB;
  else return null; // general broadcasting: cpu
  if (outBatch.length < Math.max(batchA.length, batchB.length)) return null;
  let biasV: Float32Array | null = null;
  if (bias) {
    biasV = f32(backend, bias);
    if (!biasV || sizeOf(bias.shape) !== N || bias.shape[bias.shape.length - 1] !== N) return null;
  }
  const outShape = [...outBatch, M, N];
  const out = outputF32(backend, sizeOf(outShape));
  if (out.length > 0) {
    addon().matmul(av, bv, out, Int32Array.from([ba, bb, M, N, Ka, transposeA ? 1 : 0, transposeB ? 1 : 0]), biasV, act, alpha);
  }
  return backend.makeTensorInfo(outShape, "float32", out);
}

export const batchMatMulConfig = nativeKernel(BatchMatMul, (args) => matmulNative(args, null, 0, 0));

export const fusedMatMulConfig = nativeKernel(_FusedMatMul, (args) => {
  const { activation, leakyreluAlpha } = args.attrs as unknown as _FusedMatMulAttrs;
  const act = activationCode(activation);
  if (act === null) return null;
  return matmulNative(args, (args.inputs.bias as TensorInfo | undefined) ?? null, act, leakyreluAlpha ?? 0.2);
});
