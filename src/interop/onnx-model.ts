/**
 * A pcl-stream generator as an ONNX model (opset 17): input `input` float32 NCHW [1, 3, H, W] RGB
 * in [0, 1] (H and W dynamic), output `output` [1, 3, H*s, W*s] in [0, 1] (not clamped). Each layer
 * node becomes the ONNX operators that compute what src/compile/layer.ts computes, with the weights
 * as initializers (HWIO kernels written OIHW). Layers a generator does not use at inference
 * (batch norm on batch statistics, Haar bands, adaptive pooling to a grid) are refused by name.
 */
import { childrenOf, joinPath, type LayerNode } from "../dsl/index.js";
import { InteropError } from "./interop-error.js";
import type { HostTensor } from "./host-tensor.js";
import { littleEndianBytes } from "./safetensors.js";
import { ATTR, ONNX_FLOAT, ONNX_INT64, onnxModelType } from "./onnx-schema.js";

/** The opset the exported model imports. */
export const ONNX_OPSET = 17;

type Attr = number | string | readonly number[] | { readonly float: number };

interface Builder {
  readonly nodes: object[];
  readonly initializers: object[];
  /** Adds an `op` node and returns its output's name (`out`, or a fresh one). */
  node(op: string, inputs: readonly string[], attrs?: Readonly<Record<string, Attr>>, out?: string): string;
  floats(name: string, shape: readonly number[], values: Float32Array): string;
  ints(values: readonly number[]): string;
}

function builder(): Builder {
  let n = 0;
  const nodes: object[] = [], initializers: object[] = [];
  const attribute = (name: string, v: Attr) => {
    if (typeof v === "string") return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
    if (typeof v === "number") return { name, type: ATTR.INT, i: v };
    if ("float" in v) return { name, type: ATTR.FLOAT, f: v.float };
    return { name, type: ATTR.INTS, ints: [...(v as readonly number[])] };
  };
  return {
    nodes, initializers,
    node(op, inputs, attrs = {}, out = `${op.toLowerCase()}_${n++}`) {
      nodes.push({ op_type: op, name: out, input: [...inputs], output: [out], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
      return out;
    },
    floats(name, shape, values) {
      initializers.push({ name, dims: [...shape], data_type: ONNX_FLOAT, raw_data: littleEndianBytes(values) });
      return name;
    },
    ints(values) {
      const name = `const_${n++}`;
      const raw = new Uint8Array(values.length * 8);
      const view = new DataView(raw.buffer);
      values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
      initializers.push({ name, dims: [values.length], data_type: ONNX_INT64, raw_data: raw });
      return name;
    },
  };
}

function hwioToOihw(t: HostTensor): HostTensor {
  const [kh, kw, ci, co] = t.shape;
  const out = new Float32Array(t.values.length);
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((o * ci + i) * kh + y) * kw + x] = t.values[((y * kw + x) * ci + i) * co + o];
  }
  return { shape: [co, ci, kh, kw], values: out };
}

/** Emits `node` applied to the value `x` (NCHW) and returns the output's name. */
function emit(b: Builder, node: LayerNode, x: string, path: string, weight: (path: string) => HostTensor): string {
  const kids = childrenOf(node);
  const sub = (i: number, input: string) => emit(b, kids[i].node, input, joinPath(path, kids[i].segment), weight);
  switch (node.kind) {
    case "conv": {
      const k = hwioToOihw(weight(joinPath(path, "kernel")));
      const p = Math.floor(node.kernel / 2);
      const inputs = [x, b.floats(joinPath(path, "kernel"), k.shape, k.values)];
      if (node.bias) { const bias = weight(joinPath(path, "bias")); inputs.push(b.floats(joinPath(path, "bias"), bias.shape, bias.values)); }
      return b.node("Conv", inputs, { kernel_shape: [node.kernel, node.kernel], pads: [p, p, p, p], strides: [node.stride, node.stride] });
    }
    case "conv3d": {
      const kernel = weight(joinPath(path, "kernel"));
      const k = node.kernel, p = Math.floor(k / 2);
      const volume = b.node("Unsqueeze", [x, b.ints([1])]);
      const inputs = [volume, b.floats(joinPath(path, "kernel"), [1, 1, k, k, k], kernel.values)];
      if (node.bias) { const bias = weight(joinPath(path, "bias")); inputs.push(b.floats(joinPath(path, "bias"), [1], bias.values)); }
      const y = b.node("Conv", inputs, { kernel_shape: [k, k, k], pads: [p, p, p, p, p, p], strides: [1, 1, 1] });
      return b.node("Squeeze", [y, b.ints([1])]);
    }
    case "activation":
      if (node.fn === "relu") return b.node("Relu", [x]);
      if (node.fn === "sigmoid") return b.node("Sigmoid", [x]);
      return b.node("LeakyRelu", [x], { alpha: { float: node.alpha } });
    case "avgPool":
      if (node.size !== "global") break;
      return b.node("GlobalAveragePool", [x]);
    case "pixelShuffle": return b.node("DepthToSpace", [x], { blocksize: node.factor, mode: "CRD" });
    case "meanShift": return b.node("Add", [x, b.floats(`${path}/shift`, [1, 3, 1, 1], Float32Array.from(node.mean, (m) => node.sign * m))]);
    case "learnedScale": {
      const s = weight(joinPath(path, "scale"));
      return b.node("Mul", [x, b.floats(joinPath(path, "scale"), [], s.values)]);
    }
    case "layerAttention": {
      // HAN's LAM: the G stacked maps as G vectors q; out = gamma * softmax(rowmax(qq^T) - qq^T) q + x.
      const gamma = weight(joinPath(path, "gamma"));
      const q = b.node("Reshape", [x, b.ints([0, node.groups, -1])]);
      const energy = b.node("MatMul", [q, b.node("Transpose", [q], { perm: [0, 2, 1] })]);
      const attention = b.node("Softmax", [b.node("Sub", [b.node("ReduceMax", [energy], { axes: [-1], keepdims: 1 }), energy])], { axis: -1 });
      const out = b.node("Reshape", [b.node("MatMul", [attention, q]), b.node("Shape", [x])]);
      return b.node("Add", [b.node("Mul", [out, b.floats(joinPath(path, "gamma"), [], gamma.values)]), x]);
    }
    case "sequence": return kids.reduce((y, _, i) => sub(i, y), x);
    case "skip": {
      const body = sub(0, x);
      const scaled = node.scale === 1 ? body : b.node("Mul", [body, b.floats(`${path}/scale`, [], Float32Array.of(node.scale))]);
      return b.node("Add", [x, scaled]);
    }
    case "gate": return b.node("Mul", [x, sub(0, x)]);
    case "branches": return b.node("Concat", kids.map((_, i) => sub(i, x)), { axis: 1 });
    case "stack": {
      const outs: string[] = [];
      kids.reduce((y, _, i) => { const o = sub(i, y); outs.unshift(o); return o; }, x);
      return b.node("Concat", outs, { axis: 1 });
    }
    case "channels": return b.node("Slice", [x, b.ints([node.start]), b.ints([node.start + node.count]), b.ints([1])]);
    case "batchNorm": case "haar": break;
  }
  throw new InteropError(`ONNX export: the graph's ${path} (${node.kind}${node.kind === "avgPool" ? ` to ${String(node.size)}` : ""}) is not a layer an SR generator runs at inference; pcl-stream does not export it`);
}

/** What the exported model says about itself (written to its metadata_props and doc_string). */
export interface OnnxModelInfo {
  readonly name: string;
  readonly scale: number;
  readonly producerVersion: string;
}

/**
 * The ONNX ModelProto bytes of `generator` with `weights` (by variable path, as compileGenerator
 * names them under `prefix`).
 */
export function onnxModel(generator: LayerNode, weights: ReadonlyMap<string, HostTensor>, info: OnnxModelInfo, prefix = "generator"): Uint8Array {
  const b = builder();
  const weight = (path: string) => {
    const t = weights.get(path);
    if (!t) throw new InteropError(`ONNX export: the checkpoint has no weight ${path}`);
    return t;
  };
  const last = emit(b, generator, "input", prefix, weight);
  b.node("Identity", [last], {}, "output");
  const tensor = (name: string, dims: readonly (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: ONNX_FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
  });
  const doc = `${info.name}: x${info.scale} super-resolution. Input 'input': float32 NCHW [1, 3, H, W], RGB in [0, 1]. Output 'output': float32 [1, 3, ${info.scale}H, ${info.scale}W], RGB in [0, 1] (clamp before quantizing to 8 bits).`;
  const Model = onnxModelType();
  const message = Model.create({
    ir_version: 8, producer_name: "pcl-stream", producer_version: info.producerVersion, model_version: 1, doc_string: doc,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    graph: {
      name: info.name, node: b.nodes, initializer: b.initializers, doc_string: doc,
      input: [tensor("input", [1, 3, "height", "width"])],
      output: [tensor("output", [1, 3, `${info.scale}*height`, `${info.scale}*width`])],
    },
    metadata_props: Object.entries({
      "pcl-stream:graph": info.name, scale: String(info.scale), input_range: "0-1", output_range: "0-1",
      layout: "NCHW", color: "RGB", dtype: "float32",
    }).map(([key, value]) => ({ key, value })),
  });
  const err = Model.verify(message);
  if (err) throw new Error(`ONNX export: ${err}`);
  return Model.encode(message).finish();
}
