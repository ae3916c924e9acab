/**
 * The paper's ablations (its Table 4) and the L1-only baseline as spec transforms:
 * each returns a new, checked spec and leaves the original untouched.
 */
import { negatives } from "./augment.js";
import { l1, weightedSum } from "./loss.js";
import { pcl, type PclSpec } from "./spec.js";

/** The paper's ablations (Table 4) and the L1-only baseline, by name, with what each changes. */
export const ABLATIONS = {
  pcl: "the spec as written (L1 + contrastive, blurred negatives, Haar split)",
  "l1-only": "L1 alone; E is not built or trained",
  "neg-lr": "negatives = the bicubic-upsampled LR input",
  "neg-batch": "negatives = HR images of other samples in the batch",
  "no-haar": "E sees RGB instead of the Haar high bands",
} as const;
/** The name of one of `ABLATIONS`. */
export type AblationName = keyof typeof ABLATIONS;

/** True when `name` names one of `ABLATIONS` (to check user input). */
export const isAblation = (name: string): name is AblationName => Object.hasOwn(ABLATIONS, name);

/**
 * The spec changed as the ablation `name` says (`"pcl"` returns it as written), renamed `<name>+<ablation>`.
 *
 * ```ts
 * const baseline = ablate(spec, "l1-only");   // L1 alone; E is neither built nor trained
 * ```
 *
 * @throws GraphError when the changed spec does not hold (e.g. `neg-batch` with a batch of 1).
 */
export function ablate(spec: PclSpec, name: AblationName): PclSpec {
  const base = { ...spec };
  switch (name) {
    case "pcl": return spec;
    case "l1-only":
      return pcl({ ...base, name: `${spec.name}+l1-only`, losses: { generator: weightedSum([[1, l1()]]), discriminator: null } });
    case "neg-lr":
      return pcl({ ...base, name: `${spec.name}+neg-lr`, negatives: negatives({ ...spec.negatives, source: "lr" }) });
    case "neg-batch":
      return pcl({ ...base, name: `${spec.name}+neg-batch`, negatives: negatives({ ...spec.negatives, source: "batch", count: Math.min(spec.negatives.count, spec.train.batch - 1) }) });
    case "no-haar": {
      const { input: _dropped, ...rest } = spec.embedding;
      const embedding = Object.freeze({ ...rest });
      const swap = <T extends { embed: unknown }>(loss: T): T => ({ ...loss, embed: embedding });
      return pcl({
        ...base, name: `${spec.name}+no-haar`, embedding,
        losses: {
          generator: { ...spec.losses.generator, terms: spec.losses.generator.terms.map((t) => (t.loss.kind === "infoNce" ? { ...t, loss: swap(t.loss) } : t)) },
          discriminator: spec.losses.discriminator ? swap(spec.losses.discriminator) : null,
        },
      });
    }
  }
}
