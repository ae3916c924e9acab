/** MATLAB-compatible LR making of a 2040x1356 image (DIV2K size), uint8 path: data loading must not wait on it. */
import type { RgbImage } from "../src/io/image.js";
import { imresizeRgb } from "../src/ops/imresize.js";
import type { TimedWorkload } from "./workload.js";

export function imresizeWorkload(): TimedWorkload {
  let img: RgbImage | undefined;
  return {
    kind: "timed", name: "imresize-2k", description: "MATLAB bicubic 2040x1356 -> 510x339, uint8 path (typed arrays, no tfjs)", backends: ["cpu"], reps: 5, warmup: 1,
    setup() {
      let s = 1;
      const data = Float32Array.from({ length: 2040 * 1356 * 3 }, () => ((s = (s * 16807) % 2147483647) / 2147483647));
      img = { width: 2040, height: 1356, data };
    },
    run() { imresizeRgb(img!, 1 / 4, { uint8: true }); },
    teardown() { img = undefined; },
  };
}
