/**
 * Where each weight of a pcl-stream EDSR / RCAN / HAN generator lives in the reference PyTorch
 * implementations (EDSR-PyTorch's edsr.py, RCAN's rcan.py, HAN's han.py), found by walking the
 * graph's layer tree the way those modules are built, and checking each node on the way:
 *
 *   subMean, head, body (EDSR: ResBlocks + conv; RCAN: ResidualGroups of RCABs + conv), upsampler,
 *   tail, addMean     ->  sub_mean, head.0, body.i..., tail.0.j, tail.1, add_mean
 *   HAN's trunk: stack of the body stages -> body.i; csa -> csa.conv, csa.gamma; layer attention ->
 *   la.gamma, then last_conv; fuse -> last.
 *
 * A graph built otherwise (an extra layer, another block) is rejected with the node that differs.
 */
import { childrenOf, joinPath, type LayerNode } from "../dsl/index.js";
import { InteropError } from "./interop-error.js";

/** How a reference tensor is laid out: a 2-D conv kernel (OIHW <-> HWIO), a 3-D one ([1,1,D,H,W] <-> [D,H,W,1,1]), a vector, a scalar ([1] <-> []). */
export type ReferenceLayout = "conv2d" | "conv3d" | "vector" | "scalar";

/** One weight: its reference key, the graph variable's path, its layout, and how the 0-255 convention scales it (pcl = ref * rgbRange^rangePower). */
export interface ReferenceWeight {
  readonly key: string;
  readonly variable: string;
  readonly layout: ReferenceLayout;
  readonly rangePower: -1 | 0 | 1;
}

/** The reference implementations pcl-stream maps: EDSR (EDSR-PyTorch), RCAN, HAN. */
export type ReferenceArch = "edsr" | "rcan" | "han";

/** The architecture and every weight, plus the mean the graph's mean shifts use. */
export interface ReferenceMap {
  readonly arch: ReferenceArch;
  readonly weights: readonly ReferenceWeight[];
  readonly mean: readonly [number, number, number];
}

type Kind = LayerNode["kind"];

/**
 * The reference keys of `generator`'s weights (variables under `prefix`, as compileGenerator names them).
 * The graph works on 0-1 and the reference on 0-rgbRange: the head kernel takes the factor and the
 * tail kernel and bias give it back, so every feature map in between equals the reference's exactly
 * (channel attention, layer attention and CSA are not scale-equivariant, so nothing else may change).
 */
export function referenceMap(generator: LayerNode, prefix = "generator"): ReferenceMap {
  const weights: ReferenceWeight[] = [];
  const at = (node: LayerNode, path: string, kind: Kind, what: string): LayerNode => {
    if (node.kind !== kind) throw new InteropError(`the graph's ${path || "generator"} is a ${node.kind}, where the reference implementation has ${what}`);
    return node;
  };
  const kids = (node: LayerNode, path: string, count: number | undefined, what: string) => {
    const c = childrenOf(node).map((k) => ({ node: k.node, path: joinPath(path, k.segment) }));
    if (count !== undefined && c.length !== count) throw new InteropError(`the graph's ${path} has ${c.length} layers, where the reference's ${what} has ${count}`);
    return c;
  };
  const conv = (node: LayerNode, path: string, key: string, rangePower: -1 | 0 | 1 = 0) => {
    const n = at(node, path, "conv", `a convolution (${key})`);
    if (n.kind !== "conv" || !n.bias) throw new InteropError(`the graph's ${path} is a convolution without bias, where the reference's ${key} has one`);
    weights.push({ key: `${key}.weight`, variable: joinPath(path, "kernel"), layout: "conv2d", rangePower });
    weights.push({ key: `${key}.bias`, variable: joinPath(path, "bias"), layout: "vector", rangePower: rangePower === -1 ? -1 : 0 });
  };
  const relu = (node: LayerNode, path: string) => {
    if (node.kind !== "activation" || node.fn !== "relu") throw new InteropError(`the graph's ${path} is a ${node.kind === "activation" ? node.fn : node.kind}, where the reference has a ReLU`);
  };
  const sigmoid = (node: LayerNode, path: string) => {
    if (node.kind !== "activation" || node.fn !== "sigmoid") throw new InteropError(`the graph's ${path} is a ${node.kind === "activation" ? node.fn : node.kind}, where the reference has a sigmoid`);
  };
  /** EDSR's ResBlock / RCAN's RCAB body: conv, ReLU, conv (+ channel attention). */
  const block = (node: LayerNode, path: string, key: string, attention: boolean) => {
    at(node, path, "skip", attention ? "an RCAB" : "a ResBlock");
    const [body] = kids(node, path, 1, "block");
    at(body.node, body.path, "sequence", "the block's body");
    const layers = kids(body.node, body.path, attention ? 4 : 3, attention ? "RCAB (conv, ReLU, conv, CALayer)" : "ResBlock (conv, ReLU, conv)");
    conv(layers[0].node, layers[0].path, `${key}.body.0`);
    relu(layers[1].node, layers[1].path);
    conv(layers[2].node, layers[2].path, `${key}.body.2`);
    if (!attention) return;
    const ca = layers[3];
    at(ca.node, ca.path, "gate", "a CALayer");
    const [du] = kids(ca.node, ca.path, 1, "CALayer");
    at(du.node, du.path, "sequence", "CALayer's avg_pool + conv_du");
    const l = kids(du.node, du.path, 5, "CALayer (avg_pool, conv, ReLU, conv, sigmoid)");
    if (l[0].node.kind !== "avgPool" || l[0].node.size !== "global") throw new InteropError(`the graph's ${l[0].path} is not a global average pool, where the reference's CALayer has avg_pool`);
    conv(l[1].node, l[1].path, `${key}.body.3.conv_du.0`);
    relu(l[2].node, l[2].path);
    conv(l[3].node, l[3].path, `${key}.body.3.conv_du.2`);
    sigmoid(l[4].node, l[4].path);
  };
  /** RCAN's ResidualGroup: RCABs then a conv, with a skip. */
  const group = (node: LayerNode, path: string, key: string) => {
    at(node, path, "skip", "a ResidualGroup");
    const [body] = kids(node, path, 1, "ResidualGroup");
    at(body.node, body.path, "sequence", "the ResidualGroup's body");
    const layers = kids(body.node, body.path, undefined, "ResidualGroup");
    layers.slice(0, -1).forEach((b, i) => block(b.node, b.path, `${key}.body.${i}`, true));
    conv(layers[layers.length - 1].node, layers[layers.length - 1].path, `${key}.body.${layers.length - 1}`);
  };
  /** The body stages: EDSR's ResBlocks or RCAN's groups, then a conv, as body.0 ... body.n. */
  const stages = (layers: { node: LayerNode; path: string }[], kindOf: "edsr" | "rcan") => {
    layers.slice(0, -1).forEach((s, i) => (kindOf === "edsr" ? block(s.node, s.path, `body.${i}`, false) : group(s.node, s.path, `body.${i}`)));
    conv(layers[layers.length - 1].node, layers[layers.length - 1].path, `body.${layers.length - 1}`);
  };

  const top = kids(at(generator, prefix, "sequence", "EDSR / RCAN / HAN"), prefix, 6, "model (sub_mean, head, body, upsampler, tail, add_mean)");
  const [sub, head, trunk, up, tail, add] = top;
  if (sub.node.kind !== "meanShift" || sub.node.sign !== -1) throw new InteropError(`the graph's ${sub.path} is not a mean subtraction, where the reference has sub_mean`);
  if (add.node.kind !== "meanShift" || add.node.sign !== 1) throw new InteropError(`the graph's ${add.path} is not a mean addition, where the reference has add_mean`);
  if (sub.node.mean.some((m, i) => m !== (add.node as { mean: readonly number[] }).mean[i])) throw new InteropError(`the graph's ${sub.path} and ${add.path} use different means; the reference's sub_mean and add_mean share one`);
  conv(head.node, head.path, "head.0", 1);

  at(trunk.node, trunk.path, "skip", "the body with its long skip");
  const [trunkBody] = kids(trunk.node, trunk.path, 1, "body");
  at(trunkBody.node, trunkBody.path, "sequence", "the body");
  const bodyLayers = kids(trunkBody.node, trunkBody.path, undefined, "body");
  let arch: ReferenceMap["arch"];
  if (bodyLayers[0]?.node.kind === "stack") {
    arch = "han";
    if (bodyLayers.length !== 3) throw new InteropError(`the graph's ${trunkBody.path} has ${bodyLayers.length} layers, where HAN has the body, the attention (csa, la + last_conv) and last`);
    const [stack, attention, fuse] = bodyLayers;
    stages(kids(stack.node, stack.path, undefined, "body"), "rcan");
    at(attention.node, attention.path, "branches", "csa and la side by side");
    const [csa, la] = kids(attention.node, attention.path, 2, "attention (csa, la)");
    const [take, csam] = kids(at(csa.node, csa.path, "sequence", "the CSA branch"), csa.path, 2, "CSA branch (the last stage, CSAM)");
    if (take.node.kind !== "channels" || take.node.start !== 0) throw new InteropError(`the graph's ${take.path} does not take the last body stage, which HAN's csa reads`);
    at(csam.node, csam.path, "skip", "CSAM (x * attention + x)");
    const [gate] = kids(csam.node, csam.path, 1, "CSAM");
    at(gate.node, gate.path, "gate", "CSAM's x * attention");
    const [inner] = kids(gate.node, gate.path, 1, "CSAM");
    const [c3, sg, gamma] = kids(at(inner.node, inner.path, "sequence", "CSAM's conv3d, sigmoid, gamma"), inner.path, 3, "CSAM (conv, sigmoid, gamma)");
    const c3n = at(c3.node, c3.path, "conv3d", "csa.conv (a Conv3d)");
    if (c3n.kind !== "conv3d" || !c3n.bias || c3n.kernel !== 3) throw new InteropError(`the graph's ${c3.path} is not a 3x3x3 Conv3d with bias, as HAN's csa.conv is`);
    weights.push({ key: "csa.conv.weight", variable: joinPath(c3.path, "kernel"), layout: "conv3d", rangePower: 0 });
    weights.push({ key: "csa.conv.bias", variable: joinPath(c3.path, "bias"), layout: "vector", rangePower: 0 });
    sigmoid(sg.node, sg.path);
    at(gamma.node, gamma.path, "learnedScale", "csa.gamma");
    weights.push({ key: "csa.gamma", variable: joinPath(gamma.path, "scale"), layout: "scalar", rangePower: 0 });
    const [lam, lastConv] = kids(at(la.node, la.path, "sequence", "la then last_conv"), la.path, 2, "layer attention (la, last_conv)");
    at(lam.node, lam.path, "layerAttention", "la (LAM_Module)");
    weights.push({ key: "la.gamma", variable: joinPath(lam.path, "gamma"), layout: "scalar", rangePower: 0 });
    conv(lastConv.node, lastConv.path, "last_conv");
    conv(fuse.node, fuse.path, "last");
  } else {
    const first = bodyLayers[0]?.node;
    const firstBody = first?.kind === "skip" ? first.body : undefined;
    arch = firstBody?.kind === "sequence" && firstBody.layers[0]?.kind === "skip" ? "rcan" : "edsr";
    if (bodyLayers.length < 2) throw new InteropError(`the graph's ${trunkBody.path} has ${bodyLayers.length} layers; the reference body has blocks and a conv`);
    stages(bodyLayers, arch);
  }

  at(up.node, up.path, "sequence", "the Upsampler (tail.0)");
  const ups = kids(up.node, up.path, undefined, "Upsampler");
  ups.forEach((u, j) => {
    if (j % 2 === 0) conv(u.node, u.path, `tail.0.${j}`);
    else if (u.node.kind !== "pixelShuffle") throw new InteropError(`the graph's ${u.path} is a ${u.node.kind}, where the reference's Upsampler has a PixelShuffle`);
  });
  conv(tail.node, tail.path, "tail.1", -1);
  return { arch, weights, mean: sub.node.mean };
}
