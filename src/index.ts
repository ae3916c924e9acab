/**
 * pcl-stream: the graph DSL. Typed, frozen descriptions of SR generators, the embedding network,
 * PCL's positives, negatives and losses, and the training recipe; plain data, no TensorFlow.js.
 *
 * @module pcl-stream
 */
export * from "./dsl/index.js";
