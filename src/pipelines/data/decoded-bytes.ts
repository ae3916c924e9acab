/**
 * How many bytes a training folder takes once decoded the way the trainer holds it (float32 RGB
 * HR, cropped to a multiple of the scale, plus its LR): what the decoded-image cache will fill up to.
 * Reads only the image headers.
 */
import { loadSharp } from "../../io/sharp.js";
import { listImages } from "./list-images.js";

/** Decoded (HR + LR) float32 bytes of every readable image under `hrDir`; files sharp cannot read count 0. */
export async function decodedBytes(hrDir: string, scale: number): Promise<number> {
  const files = await listImages(hrDir, { onSkip: () => {} });
  const sharp = await loadSharp();
  let total = 0;
  for (const file of files) {
    try {
      const { width, height, orientation } = await sharp(file).metadata();
      if (!width || !height) continue;
      const [w, h] = orientation !== undefined && orientation >= 5 ? [height, width] : [width, height];
      const lw = Math.floor(w / scale), lh = Math.floor(h / scale);
      total += (lw * scale * lh * scale + lw * lh) * 3 * 4;
    } catch {
      // unreadable: the data pipeline reports and skips it
    }
  }
  return total;
}
