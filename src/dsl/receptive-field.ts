/**
 * How many LR pixels of context an output pixel depends on, counting local operations only
 * (convolutions, Haar, pixel shuffle). Global pooling (RCAN's channel attention) and HAN's layer
 * attention look at the whole image; `global` says so: tiled inference is then close to, not
 * exactly, the untiled result.
 */
import { match } from "ts-pattern";
import { childrenOf } from "./children.js";
import type { LayerNode } from "./layers.js";

/** How far an output pixel sees: a radius in LR pixels, and whether some layer looks at the whole image. */
export interface ReceptiveField {
  /** Context radius in LR pixels (rounded up). */
  readonly radius: number;
  readonly global: boolean;
}

interface Walk { radius: number; resolution: number; global: boolean }

/** The receptive field of a generator (what tiled inference needs for its overlap). */
export function receptiveField(node: LayerNode): ReceptiveField {
  const w: Walk = { radius: 0, resolution: 1, global: false };
  visit(node, w);
  return { radius: Math.ceil(w.radius - 1e-9), global: w.global };
}

/** Adds `node`'s context to the walk; `resolution` = current pixels per LR pixel. */
function visit(node: LayerNode, w: Walk): void {
  const kids = childrenOf(node).map((c) => c.node);
  match(node)
    .with({ kind: "conv" }, (n) => { w.radius += Math.floor(n.kernel / 2) / w.resolution; w.resolution /= n.stride; })
    .with({ kind: "conv3d" }, (n) => { w.radius += Math.floor(n.kernel / 2) / w.resolution; })
    .with({ kind: "haar" }, () => { w.radius += 1 / w.resolution; w.resolution /= 2; })
    .with({ kind: "pixelShuffle" }, (n) => { w.resolution *= n.factor; })
    .with({ kind: "avgPool" }, () => { w.global = true; })
    .with({ kind: "layerAttention" }, () => { w.global = true; })
    .with({ kind: "batchNorm" }, () => { w.global = true; })
    .with({ kind: "activation" }, { kind: "meanShift" }, { kind: "learnedScale" }, { kind: "channels" }, () => undefined)
    .with({ kind: "sequence" }, { kind: "stack" }, () => kids.forEach((k) => visit(k, w)))
    .with({ kind: "skip" }, { kind: "gate" }, () => visit(kids[0], w))
    .with({ kind: "branches" }, () => {
      // The widest branch decides; every branch starts from the same point.
      const start = { ...w };
      let widest = start;
      for (const k of kids) {
        const b = { ...start };
        visit(k, b);
        if (b.radius > widest.radius) widest = b;
        w.global ||= b.global;
      }
      w.radius = widest.radius; w.resolution = widest.resolution;
    })
    .exhaustive();
}
