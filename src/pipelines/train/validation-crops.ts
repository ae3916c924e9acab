/**
 * The validation crops a run shows while it trains: a fixed window (centred, at most CROP_SIZE HR
 * pixels a side) of the first CROP_COUNT validation images, written at each validation as PNGs
 * into the run folder: `val/<iteration>/<k>-<name>-{bicubic,sr,hr}.png` and the three side by side
 * (`-strip.png`, bicubic | SR | HR). Files are written atomically (temp file, then rename), so a
 * reader following the folder never sees half an image. The bicubic and HR crops are made once.
 */
import { join } from "node:path";
import { fromRgb, writeImage, type RgbImage } from "../../io/image.js";
import { bicubicUpscaler } from "../../model/bicubic.js";
import { upscaleTiled } from "../../ops/tiled-upscale.js";
import type { ValidationPair } from "../data/index.js";
import { quantize8 } from "../evaluate.js";

/** How many validation images get a crop. */
export const CROP_COUNT = 3;
/** The crop's largest side, in HR pixels. */
export const CROP_SIZE = 96;

/** One crop at one validation: its image's name and the files, relative to the run folder. */
export interface ValidationCrop {
  readonly name: string;
  readonly bicubic: string;
  readonly sr: string;
  readonly hr: string;
  /** bicubic | SR | HR side by side. */
  readonly strip: string;
}

interface Window { readonly x: number; readonly y: number; readonly width: number; readonly height: number }

/** The centred window of an HR image, its corners on multiples of `scale`. */
function windowOf(hr: RgbImage, scale: number): Window {
  const side = (n: number) => Math.max(scale, Math.min(CROP_SIZE, n) - (Math.min(CROP_SIZE, n) % scale));
  const width = side(hr.width), height = side(hr.height);
  const start = (n: number, w: number) => Math.floor((n - w) / 2 / scale) * scale;
  return { x: start(hr.width, width), y: start(hr.height, height), width, height };
}

function cut(img: RgbImage, w: Window): RgbImage {
  const data = new Float32Array(w.width * w.height * 3);
  for (let y = 0; y < w.height; y++) {
    const from = ((w.y + y) * img.width + w.x) * 3;
    data.set(img.data.subarray(from, from + w.width * 3), y * w.width * 3);
  }
  return { width: w.width, height: w.height, data };
}

/** Images of equal height side by side. */
function sideBySide(images: readonly RgbImage[]): RgbImage {
  const height = images[0].height, width = images.reduce((s, i) => s + i.width, 0);
  const data = new Float32Array(width * height * 3);
  let x0 = 0;
  for (const img of images) {
    for (let y = 0; y < height; y++) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), (y * width + x0) * 3);
    x0 += img.width;
  }
  return { width, height, data };
}

const fileName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, "_");

/** Writes the crops of each validation into the run folder `out`; see the module comment. */
export interface CropWriter {
  /** Writes the crops of `srs[k]` (the SR of `pairs[k]`, k < CROP_COUNT) at `iteration`. */
  write(iteration: number, pairs: readonly ValidationPair[], srs: readonly RgbImage[]): Promise<ValidationCrop[]>;
}

export function createCropWriter(out: string, scale: number): CropWriter {
  const fixed = new Map<number, { window: Window; bicubic: RgbImage; hr: RgbImage }>();
  const bicubic = bicubicUpscaler(scale);
  return {
    async write(iteration, pairs, srs) {
      const crops: ValidationCrop[] = [];
      for (let k = 0; k < Math.min(CROP_COUNT, pairs.length, srs.length); k++) {
        const pair = pairs[k];
        let f = fixed.get(k);
        if (!f) {
          const window = windowOf(pair.hr, scale);
          f = { window, bicubic: cut(quantize8(await upscaleTiled(bicubic, pair.lr)), window), hr: cut(pair.hr, window) };
          fixed.set(k, f);
        }
        const sr = cut(srs[k], f.window);
        const base = join("val", String(iteration), `${k}-${fileName(pair.name)}`);
        const crop: ValidationCrop = { name: pair.name, bicubic: `${base}-bicubic.png`, sr: `${base}-sr.png`, hr: `${base}-hr.png`, strip: `${base}-strip.png` };
        const images: readonly [string, RgbImage][] = [[crop.bicubic, f.bicubic], [crop.sr, sr], [crop.hr, f.hr], [crop.strip, sideBySide([f.bicubic, sr, f.hr])]];
        for (const [file, img] of images) await writeImage(join(out, file), fromRgb(img));
        crops.push(crop);
      }
      return crops;
    },
  };
}
