/** Exponential moving average of a network's weights: ema = decay * ema + (1 - decay) * w. */
import * as tf from "@tensorflow/tfjs-core";

export interface Ema {
  readonly weights: ReadonlyMap<string, tf.Tensor>;
  update(variables: ReadonlyMap<string, tf.Variable>): void;
  restore(weights: ReadonlyMap<string, tf.Tensor>): void;
  dispose(): void;
}

export function createEma(variables: ReadonlyMap<string, tf.Variable>, decay: number): Ema {
  if (!(decay > 0 && decay < 1)) throw new RangeError(`ema.decay must be in (0, 1), got ${decay}`);
  const weights = new Map<string, tf.Tensor>();
  for (const [name, w] of variables) weights.set(name, tf.keep(w.clone()));
  return {
    weights,
    update(vars) {
      for (const [name, w] of vars) {
        const old = weights.get(name)!;
        weights.set(name, tf.tidy(() => tf.keep(tf.add(tf.mul(old, decay), tf.mul(w, 1 - decay)))));
        old.dispose();
      }
    },
    restore(saved) {
      for (const name of weights.keys()) {
        const t = saved.get(name);
        if (!t) throw new Error(`EMA state has no weights for '${name}'`);
        weights.get(name)!.dispose();
        weights.set(name, tf.keep(t.clone()));
      }
    },
    dispose() { for (const t of weights.values()) t.dispose(); weights.clear(); },
  };
}
