/** A graph that cannot be built: each issue names the node's path and what was expected. */
export interface GraphIssue {
  /** Slash-separated path from the spec root, e.g. "generator/body/3/conv1". */
  readonly path: string;
  readonly message: string;
}

export class GraphError extends Error {
  override readonly name = "GraphError";
  constructor(readonly issues: readonly GraphIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  }
}
