/** The error pcl-stream throws when a backend cannot be used as asked (its message says why, on one line). */
export class BackendError extends Error {
  override readonly name: string = "BackendError";
}
