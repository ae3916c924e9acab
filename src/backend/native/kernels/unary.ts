/** Float32 unary kernels: activations, their gradient helpers (Step) and math functions. */
import { Abs, Elu, Exp, LeakyRelu, Log, Log1p, Neg, Reciprocal, Relu, Relu6, Rsqrt, Sigmoid, Sign, Softplus, Sqrt, Square, Step, Tanh } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, outputF32 } from "./util.js";

function unaryKernel(name: string, op: number, alphaAttr?: string, alphaDefault = 0): KernelConfig {
  return nativeKernel(name, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    const xv = f32(backend, x);
    if (!xv) return null;
    const alpha = alphaAttr ? Number((attrs as Record<string, unknown> | undefined)?.[alphaAttr] ?? alphaDefault) : 0;
    const out = outputF32(backend, xv.length);
    if (out.length > 0) addon().unary(op, xv, out, alpha);
    return backend.makeTensorInfo(x.shape, "float32", out);
  });
}

export const unaryConfigs: KernelConfig[] = [
  unaryKernel(Neg, 0),
  unaryKernel(Abs, 1),
  unaryKernel(Square, 2),
  unaryKernel(Sqrt, 3),
  unaryKernel(Rsqrt, 4),
  unaryKernel(Exp, 5),
  unaryKernel(Log, 6),
  unaryKernel(Relu, 7),
  unaryKernel(Relu6, 8),
  unaryKernel(LeakyRelu, 9, "alpha", 0.2),
  unaryKernel(Step, 10, "alpha", 0),
  unaryKernel(Sign, 11),
  unaryKernel(Sigmoid, 12),
  unaryKernel(Softplus, 13),
  unaryKernel(Reciprocal, 14),
  unaryKernel(Tanh, 15),
  unaryKernel(Log1p, 16),
  unaryKernel(Elu, 17),
];
