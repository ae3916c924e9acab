/**
 * Adam (PyTorch's formula: w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)), with its
 * moments held as named tensors so a checkpoint can save and restore them exactly.
 * This is the only place a network's variables change.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MomentState } from "../../checkpoint/save.js";
import type { AdamSpec } from "../../dsl/index.js";
import { adamUpdate } from "../../ops/adam-update.js";

/** Step count and first/second moments by variable path: exactly what a checkpoint stores. */
export type AdamState = MomentState;

export interface Adam {
  readonly spec: AdamSpec;
  /** Applies one update with learning rate `lr`; gradients are keyed by variable path. */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void;
  state(): AdamState;
  /** Replaces the moments and step (tensors are copied). */
  restore(state: AdamState): void;
  dispose(): void;
}

export function createAdam(variables: ReadonlyMap<string, tf.Variable>, spec: AdamSpec): Adam {
  let step = 0;
  const m = new Map<string, tf.Tensor>();
  const v = new Map<string, tf.Tensor>();
  const zeros = () => { for (const [name, w] of variables) { m.set(name, tf.keep(tf.zerosLike(w))); v.set(name, tf.keep(tf.zerosLike(w))); } };
  const clear = () => { for (const t of [...m.values(), ...v.values()]) t.dispose(); m.clear(); v.clear(); };
  zeros();
  return {
    spec,
    apply(grads, lr) {
      step += 1;
      const c1 = 1 - spec.beta1 ** step;
      const c2 = Math.sqrt(1 - spec.beta2 ** step);
      const constants = { beta1: spec.beta1, beta2: spec.beta2, epsilon: spec.epsilon, stepSize: lr / c1, c2 };
      for (const [name, w] of variables) {
        const g = grads[name];
        if (!g) continue;
        const next = adamUpdate(w, g, m.get(name)!, v.get(name)!, constants);
        w.assign(next.w);
        next.w.dispose();
        m.get(name)!.dispose(); v.get(name)!.dispose();
        m.set(name, tf.keep(next.m)); v.set(name, tf.keep(next.v));
      }
    },
    state: () => ({ step, m, v }),
    restore(state) {
      clear();
      for (const name of variables.keys()) {
        const ms = state.m.get(name), vs = state.v.get(name);
        if (!ms || !vs) throw new Error(`Adam state has no moments for '${name}'`);
        m.set(name, tf.keep(ms.clone())); v.set(name, tf.keep(vs.clone()));
      }
      step = state.step;
    },
    dispose: clear,
  };
}
