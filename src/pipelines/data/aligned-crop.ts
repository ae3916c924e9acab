/**
 * Aligned LR/HR patches with the same random symmetry applied to both.
 *
 * The LR patch is `p` x `p` at (y, x); its HR patch is `p*s` x `p*s` at (y*s, x*s), the area the LR
 * pixels were made from. A `Dihedral` (horizontal flip, then vertical flip, then transpose) maps a
 * square patch to one of its 8 symmetries (the flips and 90-degree rotations of the paper); applied to
 * both patches it keeps them aligned, since each of the three moves whole s x s blocks of HR onto
 * the matching LR pixel.
 */
import type { RgbImage } from "../../io/image.js";
import type { TrainPair } from "./training-images.js";

export interface Dihedral {
  readonly hflip: boolean;
  readonly vflip: boolean;
  readonly transpose: boolean;
}

export const IDENTITY: Dihedral = { hflip: false, vflip: false, transpose: false };

/**
 * Writes the `n` x `n` patch of `img` at row `y`, column `x`, transformed by `t`, into `out` (HWC RGB)
 * from `offset`. Output pixel (i, j) is source pixel (r, c) where (a, b) = transpose ? (j, i) : (i, j),
 * r = vflip ? n-1-a : a, c = hflip ? n-1-b : b.
 */
export function copyPatch(img: RgbImage, y: number, x: number, n: number, t: Dihedral, out: Float32Array, offset: number): void {
  if (y < 0 || x < 0 || y + n > img.height || x + n > img.width) {
    throw new RangeError(`copyPatch: ${n}x${n} patch at (${y}, ${x}) is outside the ${img.width}x${img.height} image`);
  }
  const { data, width } = img;
  let o = offset;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++, o += 3) {
      const a = t.transpose ? j : i;
      const b = t.transpose ? i : j;
      const r = t.vflip ? n - 1 - a : a;
      const c = t.hflip ? n - 1 - b : b;
      const s = ((y + r) * width + x + c) * 3;
      out[o] = data[s]; out[o + 1] = data[s + 1]; out[o + 2] = data[s + 2];
    }
  }
}

/** Copies LR patch `patch` at LR (y, x) into `lrOut[lrOffset..]` and its HR patch into `hrOut[hrOffset..]`, both transformed by `t`. */
export function copyAlignedPatches(
  pair: TrainPair, scale: number, patch: number, y: number, x: number, t: Dihedral,
  lrOut: Float32Array, lrOffset: number, hrOut: Float32Array, hrOffset: number,
): void {
  copyPatch(pair.lr, y, x, patch, t, lrOut, lrOffset);
  copyPatch(pair.hr, y * scale, x * scale, patch * scale, t, hrOut, hrOffset);
}
