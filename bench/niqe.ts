/**
 * NIQE of a 512x512 luminance plane (`niqePlane`: typed arrays in float64, no tfjs), against the
 * NumPy reference bench/niqe_reference.py (BasicSR's way of computing it) on the same plane. The
 * plane is built with integer arithmetic only (a radial ramp, diagonal stripes, hashed noise), so
 * the Python script makes the identical one.
 */
import { niqePlane } from "../src/ops/niqe.js";
import type { Plane } from "../src/ops/ycbcr.js";
import type { TimedWorkload } from "./workload.js";

/** The synthetic plane both sides measure: integers in [0, 222]. */
export function syntheticPlane(size: number): Plane {
  const data = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const n = (x * 7919 + y * 104729 + ((x * y) % 65537) * 31) % 1000003;
      const noise = ((n * 48271) % 2147483647) % 48;
      data[y * size + x] = Math.floor(((x - size / 2) ** 2 + (y - size / 2) ** 2) / 1024) + ((3 * x + y) % 48) + noise;
    }
  }
  return { width: size, height: size, data };
}

export function niqeWorkload(backend: string): TimedWorkload {
  let plane: Plane | undefined;
  return {
    kind: "timed", name: "niqe-512", description: "NIQE of a 512x512 luminance plane (float64 typed arrays, no tfjs)", backends: [backend], reps: 10, warmup: 2,
    extra: { side: 512 },
    pytorchScript: ({ reps, warmup }) => ({ key: "niqe-512", script: "niqe_reference.py", args: ["--size", "512", "--reps", String(reps), "--warmup", String(warmup)], timeoutMs: 300_000, python: "numpy" }),
    setup() { plane = syntheticPlane(512); },
    run() { niqePlane(plane!); },
    teardown() { plane = undefined; },
  };
}
