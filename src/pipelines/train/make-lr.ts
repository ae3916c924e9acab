/** LR for training and validation as the published tables make it: MATLAB bicubic on 8-bit HR. */
import type { RgbImage } from "../../io/image.js";
import { imresizeRgb } from "../../ops/imresize.js";

export const matlabLr = (hr: RgbImage, scale: number): RgbImage => imresizeRgb(hr, 1 / scale, { uint8: true });
