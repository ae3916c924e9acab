/**
 * `train --init CKPT`: a new run whose generator starts from a checkpoint's weights (an imported
 * reference model, or another run's), everything else fresh: E, both optimizers, iteration 0.
 * Unlike `resume`, nothing but the generator's weights is taken, and the recipe may differ.
 */
import { assignVariables, readCheckpoint } from "../../checkpoint/load.js";
import { CheckpointError } from "../../checkpoint/spec-json.js";
import type { TrainingState } from "./training-state.js";

/**
 * Loads the generator weights of checkpoint `dir` (its EMA weights when it has them, as inference
 * uses them) into `state`'s generator and EMA. The checkpoint's generator must be the same network
 * as the spec's (a CheckpointError says which graphs differ).
 */
export async function initGenerator(state: TrainingState, dir: string): Promise<void> {
  const ck = await readCheckpoint(dir);
  if (JSON.stringify(ck.spec.generator) !== JSON.stringify(state.spec.generator) || ck.spec.scale !== state.spec.scale) {
    throw new CheckpointError(`--init ${dir}: its generator (graph '${ck.spec.name}', x${ck.spec.scale}) is not the network of graph '${state.spec.name}' (x${state.spec.scale}); import or train the weights for this graph`);
  }
  assignVariables(state.generator.variables, ck, ck.manifest.ema ? "ema/" : "");
  state.ema?.restore(state.generator.variables);
}
