/** A weights file that cannot be read, or whose tensors do not fit the graph (the message names the file and what differs). */
export class InteropError extends Error {
  override readonly name = "InteropError";
}
