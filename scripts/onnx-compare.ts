/**
 * Runs an ONNX model exported by `pcl-stream export --format onnx` in ONNX Runtime (onnxruntime-web,
 * wasm, in Node) on an image and compares its 8-bit output with an image `pcl-stream upscale` wrote:
 *
 *   npx tsx scripts/onnx-compare.ts MODEL.onnx LR.png SR.png [--save OUT.png]
 *
 * Prints the largest and mean absolute difference per 8-bit channel value and how many differ.
 */
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import sharp from "sharp";

const [modelFile, lrFile, srFile, ...rest] = process.argv.slice(2);
if (!modelFile || !lrFile || !srFile) {
  console.error("usage: npx tsx scripts/onnx-compare.ts MODEL.onnx LR.png SR.png [--save OUT.png]");
  process.exit(2);
}
const save = rest[0] === "--save" ? rest[1] : undefined;

const raw = async (file: string) => {
  const { data, info } = await sharp(file).removeAlpha().toColorspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
};
const lr = await raw(lrFile);
const sr = await raw(srFile);
const nchw = new Float32Array(3 * lr.width * lr.height);
for (let p = 0; p < lr.width * lr.height; p++) for (let c = 0; c < 3; c++) nchw[c * lr.width * lr.height + p] = lr.data[p * 3 + c] / 255;

ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(readFileSync(modelFile));
const started = performance.now();
const out = (await session.run({ input: new ort.Tensor("float32", nchw, [1, 3, lr.height, lr.width]) })).output;
const seconds = (performance.now() - started) / 1000;
const [, , h, w] = out.dims;
if (h !== sr.height || w !== sr.width) throw new Error(`${modelFile} outputs ${w}x${h}, ${srFile} is ${sr.width}x${sr.height}`);
const values = out.data as Float32Array;
const onnx8 = Buffer.alloc(w * h * 3);
let max = 0, sum = 0, differ = 0;
for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) {
  const v = Math.min(255, Math.max(0, Math.round(values[c * w * h + p] * 255)));
  onnx8[p * 3 + c] = v;
  const d = Math.abs(v - sr.data[p * 3 + c]);
  max = Math.max(max, d); sum += d; if (d) differ++;
}
if (save) await sharp(onnx8, { raw: { width: w, height: h, channels: 3 } }).png().toFile(save);
console.log(JSON.stringify({ model: modelFile, image: lrFile, size: `${w}x${h}`, maxAbsDiff8: max, meanAbsDiff8: sum / (w * h * 3), valuesDiffering: differ, values: w * h * 3, onnxSeconds: Number(seconds.toFixed(2)) }));
