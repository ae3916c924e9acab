/**
 * The path segment of every child of a layer node. Summaries, errors and weight names all use
 * these segments, so a weight's name is the path of the node that owns it.
 */
import type { LayerNode } from "./layers.js";

/** A child node and its path segment under its parent. */
export interface Child {
  readonly segment: string;
  readonly node: LayerNode;
}

/** Segments: the child's name when unique among its siblings, else its index (`3`, or `3:rcab` for repeated names). */
function segmentsOf(list: readonly LayerNode[]): Child[] {
  const counts = new Map<string, number>();
  for (const n of list) if (n.name) counts.set(n.name, (counts.get(n.name) ?? 0) + 1);
  return list.map((node, i) => ({ node, segment: node.name && counts.get(node.name) === 1 ? node.name : node.name ? `${i}:${node.name}` : String(i) }));
}

/** The children of a composite node with their path segments (a leaf has none). */
export function childrenOf(node: LayerNode): readonly Child[] {
  switch (node.kind) {
    case "sequence": return segmentsOf(node.layers);
    case "branches": return segmentsOf(node.branches);
    case "stack": return segmentsOf(node.stages);
    case "skip":
    case "gate": return [{ segment: "body", node: node.body }];
    default: return [];
  }
}

/** `parent/segment` (or `segment` at the root): how node paths are built. */
export const joinPath = (parent: string, segment: string): string => (parent ? `${parent}/${segment}` : segment);
