/**
 * HR cropped so that its width and height are multiples of the scale (top-left kept), the
 * convention of every SR benchmark: LR is then exactly HR / scale in each dimension.
 */
import type { RgbImage } from "../../io/image.js";

/** The top-left `width` x `height` of an image; the image itself when nothing is cut. */
export function cropRgb(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  if (width > img.width || height > img.height || width < 0 || height < 0) {
    throw new RangeError(`cropRgb: cannot crop ${img.width}x${img.height} to ${width}x${height}`);
  }
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    data.set(img.data.subarray(y * img.width * 3, (y * img.width + width) * 3), y * width * 3);
  }
  return { width, height, data };
}

/** The image with its width and height each cut down to a multiple of `scale`. */
export function cropToScale(img: RgbImage, scale: number): RgbImage {
  return cropRgb(img, img.width - (img.width % scale), img.height - (img.height % scale));
}
