/** Shared helpers for the native kernels: typed-array access, cpu fallback, conv shape packing. */
import { getKernel } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo, backend_util } from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { NativeBackend } from "../backend.js";

export const NATIVE = "native";

export interface KernelArgs {
  // optional inputs (bias, preluActivationWeights) may be absent at run time
  inputs: Record<string, TensorInfo>;
  backend: MathBackendCPU;
  attrs?: NamedAttrMap;
}

/** Runs tfjs-backend-cpu's implementation of the kernel (on the native backend's data). */
export function cpuKernel(name: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const k = getKernel(name, "cpu");
  if (!k) throw new Error(`no cpu kernel ${name}`);
  return k.kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
}

/**
 * A kernel config whose native implementation may decline (return null) for cases it does not
 * cover (other dtypes, NCHW, unsupported activations...): those run on the cpu kernel.
 */
export function nativeKernel(kernelName: string, impl: (args: KernelArgs) => TensorInfo | null): KernelConfig {
  const kernelFunc = ((args: KernelArgs) => impl(args) ?? cpuKernel(kernelName, args)) as unknown as KernelFunc;
  return { kernelName, backendName: NATIVE, kernelFunc };
}

/** The float32 values of a tensor, or null when it is not a plain float32 tensor. */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== "float32") return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/**
 * Storage for a kernel's float32 output: a recycled buffer on the native backend (stale values:
 * the kernel must write every element unless it asks for `zeroed`), a new array elsewhere.
 */
export function outputF32(backend: MathBackendCPU, length: number, zeroed = false): Float32Array {
  return backend instanceof NativeBackend ? backend.pool.take(length, zeroed) : new Float32Array(length);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Int32Array layout the addon's conv entry points take. */
export function convShape(ci: backend_util.Conv2DInfo): Int32Array | null {
  const p = ci.padInfo;
  if (p.top < 0 || p.left < 0 || ci.dataFormat !== "channelsLast") return null;
  return Int32Array.from([
    ci.batchSize, ci.inHeight, ci.inWidth, ci.inChannels,
    ci.outHeight, ci.outWidth, ci.outChannels,
    ci.filterHeight, ci.filterWidth,
    ci.strideHeight, ci.strideWidth, ci.dilationHeight, ci.dilationWidth,
    p.top, p.left,
  ]);
}

/** Activation codes of the addon; null = not supported natively. */
export function activationCode(activation: unknown): number | null {
  switch (activation ?? "linear") {
    case "linear": return 0;
    case "relu": return 1;
    case "relu6": return 2;
    case "leakyrelu": return 3;
    case "sigmoid": return 4;
    default: return null;
  }
}
