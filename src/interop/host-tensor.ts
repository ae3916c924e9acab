/** A tensor's values on the host, as the interop readers return them and the writers take them (float32, row-major). */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Tensors by name, in file order. */
export type HostTensors = ReadonlyMap<string, HostTensor>;

/** The number of elements of `shape` (1 for a scalar). */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** `[a,b,c]` for error messages. */
export const shapeText = (shape: readonly number[]): string => `[${shape.join(",")}]`;
