/**
 * The (HR, LR) images of a training set, decoded on first use and kept in a byte-bounded LRU cache.
 *
 * HR is decoded through `readImage` + `toRgb` (any format sharp reads; EXIF orientation applied; gray
 * made RGB; alpha dropped) and cropped to a multiple of the scale. LR is then read from its paired file
 * or made by `makeLr(hr, scale)`. A file that cannot be used (unreadable, no matching LR, wrong LR
 * size, LR smaller than the patch) is reported once through `onSkip` and excluded from then on; it is
 * never fatal. A small set (T91 + BSD200 is about 0.4 GB as float32) stays wholly in the default 1 GiB
 * cache, so after the first pass nothing is decoded again; a large one (DIV2K) cycles through it.
 *
 * ```ts
 * const images = await openTrainingImages({ hrDir: "data/t91", scale: 4, minLrSize: 48, makeLr, onSkip });
 * const pair = await images.load(0); // { file, hr, lr } or undefined when excluded
 * ```
 */
import { stat } from "node:fs/promises";
import { readImage, toRgb, ImageReadError, type RgbImage } from "../../io/image.js";
import { ByteBudgetCache } from "./byte-budget-cache.js";
import { cropRgb, cropToScale } from "./crop-to-scale.js";
import { NoReadableImagesError, type RejectedFile } from "./errors.js";
import { listImages, type OnSkip } from "./list-images.js";
import { pairFiles, type FilePair } from "./pair-files.js";

/** Makes the LR image from an HR image whose sides are multiples of `scale` (e.g. MATLAB-style bicubic imresize). */
export type MakeLr = (hr: RgbImage, scale: number) => RgbImage;

/** One training image: HR with sides `scale` times LR's. */
export interface TrainPair {
  readonly file: string;
  readonly hr: RgbImage;
  readonly lr: RgbImage;
}

/** `makeLr` returned an image of the wrong size: a bug in the function given, so fatal. */
export class MakeLrSizeError extends Error {
  override readonly name = "MakeLrSizeError";
  constructor(readonly file: string, expected: string, got: string) {
    super(`${file}: makeLr returned a ${got} image, expected ${expected} (HR size / scale)`);
  }
}

/** Where LR images come from: made from HR, or read from a folder of matching names. */
export type LrSource =
  | { readonly makeLr: MakeLr; readonly lrDir?: undefined }
  | { readonly lrDir: string; readonly makeLr?: undefined };

export type TrainingImagesOptions = LrSource & {
  readonly hrDir: string;
  readonly scale: number;
  /** LR images narrower or shorter than this are skipped (the LR patch size). */
  readonly minLrSize: number;
  /** Byte budget of the decoded-image cache; 0 keeps nothing. */
  readonly cacheBytes: number;
  readonly onSkip: OnSkip;
};

export interface TrainingImages {
  /** The folder the HR images come from (named in errors). */
  readonly dir: string;
  /** Number of candidate images (usable or not yet known to be unusable). */
  readonly count: number;
  /** Files decoded so far (cache misses), HR and LR each counted. */
  readonly decodes: number;
  /** Number of candidates found unusable so far. */
  readonly excluded: number;
  /** Every file left out so far (listing, pairing, decoding), with the reason: what NoReadableImagesError lists. */
  readonly rejected: readonly RejectedFile[];
  isExcluded(index: number): boolean;
  /** The decoded pair, or undefined when the image is unusable (reported once through onSkip). */
  load(index: number): Promise<TrainPair | undefined>;
}

const bytesOf = (pair: TrainPair): number => pair.hr.data.byteLength + pair.lr.data.byteLength;
/** An ImageReadError's message without the file name in front (onSkip already gets the file). */
const reasonOf = (err: ImageReadError): string => err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
const size = (img: { width: number; height: number }): string => `${img.width}x${img.height}`;

/**
 * Why pixels cannot be trained on, or undefined. HR (`decoded`): a value outside [0, 1], or one
 * flat colour over the whole image (what a broken file often decodes to: nothing to learn, every
 * crop the same). LR (made by `makeLr`, which may ring a little past [0, 1]): a value that is not finite.
 */
function poisonOf(img: RgbImage, decoded: boolean): string | undefined {
  const d = img.data;
  const what = decoded ? "decodes to" : "its LR image has";
  let flat = decoded;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (decoded ? !(v >= 0 && v <= 1) : !Number.isFinite(v)) {
      return `${what} the value ${v} at pixel (${Math.floor(i / 3) % img.width}, ${Math.floor(i / 3 / img.width)})${decoded ? " (expected values in [0, 1])" : ""}`;
    }
    if (flat && v !== d[i % 3]) flat = false;
  }
  return flat ? `decodes to one flat colour (${size(img)}, every pixel the same): nothing to learn from` : undefined;
}

/** Lists the HR folder (and pairs it with the LR folder); errors when nothing is left to use. */
export async function openTrainingImages(given: TrainingImagesOptions): Promise<TrainingImages> {
  const rejected: RejectedFile[] = [];
  const onSkip: OnSkip = (file, reason) => { rejected.push({ file, reason }); given.onSkip(file, reason); };
  const options = { ...given, onSkip };
  const hrFiles = await listImages(options.hrDir, { onSkip });
  let pairs: FilePair[];
  if (options.lrDir !== undefined) {
    const lrFiles = await listImages(options.lrDir, { onSkip });
    pairs = pairFiles({ hrDir: options.hrDir, hrFiles, lrDir: options.lrDir, lrFiles, scale: options.scale, onSkip });
  } else {
    pairs = hrFiles.map((hr) => ({ hr }));
  }
  if (pairs.length === 0) throw new NoReadableImagesError(options.hrDir, hrFiles.length, rejected);
  return new CachedTrainingImages(options, pairs, rejected);
}

class CachedTrainingImages implements TrainingImages {
  readonly dir: string;
  private readonly cache: ByteBudgetCache<number, TrainPair>;
  private readonly unusable = new Set<number>();
  private readonly pending = new Map<number, Promise<TrainPair | undefined>>();
  private decoded = 0;

  constructor(private readonly options: TrainingImagesOptions, private readonly pairs: readonly FilePair[], readonly rejected: readonly RejectedFile[]) {
    this.dir = options.hrDir;
    this.cache = new ByteBudgetCache(options.cacheBytes, bytesOf);
  }

  get count(): number { return this.pairs.length; }
  get decodes(): number { return this.decoded; }
  get excluded(): number { return this.unusable.size; }
  isExcluded(index: number): boolean { return this.unusable.has(index); }

  load(index: number): Promise<TrainPair | undefined> {
    if (this.unusable.has(index)) return Promise.resolve(undefined);
    const cached = this.cache.get(index);
    if (cached !== undefined) return Promise.resolve(cached);
    let loading = this.pending.get(index);
    if (loading === undefined) {
      loading = this.decode(index).finally(() => this.pending.delete(index));
      this.pending.set(index, loading);
    }
    return loading;
  }

  private async decode(index: number): Promise<TrainPair | undefined> {
    const { hr: hrFile, lr: lrFile } = this.pairs[index];
    const { scale, minLrSize } = this.options;
    const skip = (file: string, reason: string): undefined => {
      this.unusable.add(index);
      this.options.onSkip(file, reason);
      return undefined;
    };
    const hrFull = await this.read(hrFile);
    if (hrFull instanceof ImageReadError) return skip(hrFile, reasonOf(hrFull));
    let hr: RgbImage;
    let lr: RgbImage;
    if (lrFile !== undefined) {
      const lrRead = await this.read(lrFile);
      if (lrRead instanceof ImageReadError) return skip(hrFile, `its LR image ${lrFile} is unusable: ${reasonOf(lrRead)}`);
      lr = lrRead;
      if (lr.width !== Math.floor(hrFull.width / scale) || lr.height !== Math.floor(hrFull.height / scale)) {
        return skip(hrFile, `HR ${size(hrFull)} does not match LR ${lrFile} ${size(lr)} at scale ${scale} (expected LR ${Math.floor(hrFull.width / scale)}x${Math.floor(hrFull.height / scale)})`);
      }
      hr = cropRgb(hrFull, lr.width * scale, lr.height * scale);
    } else {
      hr = cropToScale(hrFull, scale);
      if (hr.width === 0 || hr.height === 0) return skip(hrFile, `HR ${size(hrFull)} is smaller than the scale ${scale}`);
      lr = this.options.makeLr!(hr, scale);
      if (lr.width * scale !== hr.width || lr.height * scale !== hr.height) {
        throw new MakeLrSizeError(hrFile, `${hr.width / scale}x${hr.height / scale}`, size(lr));
      }
    }
    if (lr.width < minLrSize || lr.height < minLrSize) {
      return skip(hrFile, `HR ${size(hrFull)} gives LR ${size(lr)}, smaller than the ${minLrSize}x${minLrSize} LR patch`);
    }
    const poison = poisonOf(hr, true) ?? poisonOf(lr, false);
    if (poison) return skip(hrFile, poison);
    const pair: TrainPair = { file: hrFile, hr, lr };
    this.cache.set(index, pair);
    return pair;
  }

  private async read(file: string): Promise<RgbImage | ImageReadError> {
    this.decoded++;
    try {
      return toRgb(await readImage(file));
    } catch (err) {
      if (!(err instanceof ImageReadError)) throw err;
      // sharp calls an empty file an "unsupported image format": say what it is.
      const empty = await stat(file).then((s) => s.size === 0, () => false);
      return empty ? new ImageReadError(file, "an empty file (0 bytes)") : err;
    }
  }
}
