/**
 * A spec is plain data, so it is saved as JSON. JSON repeats the embedding network inside each loss
 * that names it; reading re-links those to the spec's one `embedding` and re-checks the graph.
 */
import { pcl, trainOptions, type DiscriminatorLoss, type PclSpec, type WeightedSum } from "../dsl/index.js";

/** A folder that is not a readable pcl-stream checkpoint, or whose weights do not fit its graph. */
export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

export const specToJson = (spec: PclSpec): unknown => JSON.parse(JSON.stringify(spec));

export function specFromJson(json: unknown, file: string): PclSpec {
  const raw = json as Partial<PclSpec> | null;
  if (!raw || raw.kind !== "pcl" || !raw.generator || !raw.embedding || !raw.losses || !raw.train) {
    throw new CheckpointError(`${file}: 'spec' is not a PCL spec (expected kind "pcl" with generator, embedding, losses and train)`);
  }
  const embedding = raw.embedding;
  const generator: WeightedSum = {
    ...raw.losses.generator,
    terms: raw.losses.generator.terms.map((t) => (t.loss.kind === "infoNce" ? { ...t, loss: { ...t.loss, embed: embedding } } : t)),
  };
  const discriminator: DiscriminatorLoss | null = raw.losses.discriminator ? { ...raw.losses.discriminator, embed: embedding } : null;
  const { kind: _kind, ...rest } = raw as PclSpec;
  // Options added since the checkpoint was written take their defaults.
  return pcl({ ...rest, train: trainOptions(rest.train), losses: { generator, discriminator } });
}
