/**
 * Self-ensemble (the "+" rows of SR tables, Lim et al. 2017): upscale the 8 flip/transpose variants of
 * the LR image, undo each transform on its output, and average the 8 results.
 *
 * Works on typed-array images around any async `RgbImage -> RgbImage` upscaling function (e.g.
 * `upscaleTiled`), so each variant may be tiled like the plain image. The variants run one after
 * another, so at most one variant's output exists besides the running sum.
 *
 * @example
 * ```ts
 * import { selfEnsemble } from "./self-ensemble.js";
 * const sr = await selfEnsemble((img) => upscaleTiled(upscaler, img), lr);
 * ```
 */
import type { RgbImage } from "../io/image.js";

/** The 8 transforms of the square's symmetry group: bit 0 flips rows, bit 1 flips columns, bit 2 transposes (applied last). */
export type Dihedral = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
/** All 8 dihedral transforms, identity first. */
export const DIHEDRALS: readonly Dihedral[] = [0, 1, 2, 3, 4, 5, 6, 7];

/** Applies transform `t` (flips, then transpose) to an RGB image. */
export function applyDihedral(img: RgbImage, t: Dihedral): RgbImage {
  const { width: w, height: h, data } = img;
  const transpose = (t & 4) !== 0, flipRows = (t & 1) !== 0, flipCols = (t & 2) !== 0;
  const ow = transpose ? h : w, oh = transpose ? w : h;
  const out = new Float32Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // (y, x) of the output is (sy, sx) of the flipped image, i.e. (fy, fx) of the input.
      const sy = transpose ? x : y, sx = transpose ? y : x;
      const fy = flipRows ? h - 1 - sy : sy, fx = flipCols ? w - 1 - sx : sx;
      const o = (y * ow + x) * 3, i = (fy * w + fx) * 3;
      out[o] = data[i]; out[o + 1] = data[i + 1]; out[o + 2] = data[i + 2];
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Undoes `applyDihedral(·, t)`: transpose first, then the same flips. */
export function invertDihedral(img: RgbImage, t: Dihedral): RgbImage {
  const transposed = (t & 4) !== 0 ? applyDihedral(img, 4) : img;
  return applyDihedral(transposed, (t & 3) as Dihedral);
}

/** The mean of `upscale` over the 8 transformed copies of `lr`, each transformed back. */
export async function selfEnsemble(upscale: (img: RgbImage) => Promise<RgbImage>, lr: RgbImage): Promise<RgbImage> {
  let sum: Float32Array | undefined;
  let size = { width: 0, height: 0 };
  for (const t of DIHEDRALS) {
    const sr = invertDihedral(await upscale(applyDihedral(lr, t)), t);
    if (!sum) { sum = new Float32Array(sr.data.length); size = { width: sr.width, height: sr.height }; }
    for (let i = 0; i < sum.length; i++) sum[i] += sr.data[i];
  }
  const data = sum!;
  for (let i = 0; i < data.length; i++) data[i] /= DIHEDRALS.length;
  return { ...size, data };
}
