/** A graph that cannot be built: each issue names the node's path and what was expected. */
export interface GraphIssue {
  /** Slash-separated path from the spec root, e.g. "generator/body/3/conv1". */
  readonly path: string;
  readonly message: string;
}

/** A graph, spec or override that does not hold: `issues` lists each problem with its path; the message has one line per issue. */
export class GraphError extends Error {
  override readonly name = "GraphError";
  constructor(readonly issues: readonly GraphIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  }
}
