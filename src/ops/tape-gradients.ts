/**
 * Reverse-mode gradients on tfjs's tape, with PyTorch's memory behaviour.
 *
 * tfjs's `tf.variableGrads` / `tf.grads` keep every tensor the tape saved for the backward pass and
 * every intermediate gradient alive until the whole backward pass is over, so a training step peaks
 * at about twice the activations (forward's saved tensors plus one gradient per activation). Here
 * the same tape is walked backwards, but each node's saved tensors are freed as soon as its gradient
 * has run, and each intermediate gradient as soon as the node that produced it has consumed it; what
 * no path from `xs` to `y` needs is freed before the backward pass starts.
 *
 * Each call records on a tape of its own: a call inside another's forward function (E's update inside
 * G's step) neither adds its forward and backward kernels to the enclosing tape nor clears it, and a
 * call from inside a gradient function (recomputation) leaves the enclosing backward pass intact.
 * `untaped(fn)` runs `fn` without recording at all: work whose result is a constant for the gradient
 * being taken (E's features of the contrast images in G's step).
 *
 * tfjs exposes no API for this, so it reads and restores the engine's tape state (`activeTape`,
 * `gradientDepth`; tfjs-core 4.22) in this one file. Higher-order gradients are not supported.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The engine's tape node (tfjs-core's `TapeNode`, which it does not export from its index). */
interface TapeNode {
  readonly id: number;
  readonly kernelName: string;
  readonly inputs: Record<string, tf.Tensor>;
  readonly outputs: tf.Tensor[];
  readonly saved?: tf.Tensor[];
  readonly gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface TapeState {
  activeTape: TapeNode[] | null;
  gradientDepth: number;
  kernelDepth: number;
}

const tapeState = (): TapeState => tf.engine().state as unknown as TapeState;

/** Whether kernels run now are recorded for a gradient (inside a forward function, outside a kernel). */
export function isRecording(): boolean {
  const s = tapeState();
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/** Runs `fn` with the tape state set to `tape`/`depth`, restoring the enclosing state afterwards. */
function withTape<T>(tape: TapeNode[] | null, depth: number, fn: () => T): T {
  const s = tapeState();
  const outer = { tape: s.activeTape, depth: s.gradientDepth };
  s.activeTape = tape;
  s.gradientDepth = depth;
  try {
    return fn();
  } finally {
    s.activeTape = outer.tape;
    s.gradientDepth = outer.depth;
  }
}

/**
 * Runs `fn` without recording its kernels on any tape: its results are constants to an enclosing
 * gradient. Gradients taken inside `fn` (with `tapeGradients`, or tfjs's own) work and leave the
 * enclosing tape as it was.
 *
 * ```ts
 * const { value } = tapeVariableGrads(() => {
 *   const features = untaped(() => embed(positives)); // not on G's tape: no activations kept
 *   return loss(generator(lr), features);
 * }, generatorWeights);
 * ```
 */
export function untaped<T>(fn: () => T): T {
  return withTape(tapeState().activeTape, 0, fn);
}

/**
 * Gradients of `f()` with respect to `xs`, scaled by `dy` (default: ones, for a scalar `f`).
 * Returns f's value and one gradient per x (null where `f` does not depend on it). Call inside
 * `tf.tidy` or dispose the results.
 */
export function tapeGradients(f: () => tf.Tensor, xs: readonly tf.Tensor[], dy?: tf.Tensor): { value: tf.Tensor; grads: (tf.Tensor | null)[] } {
  if (xs.length === 0) throw new Error("tapeGradients: no tensors to differentiate with respect to");
  const tape: TapeNode[] = [];
  const value = withTape(tape, 1, () => tf.tidy("forward", f));
  if (!(value instanceof tf.Tensor)) throw new Error("tapeGradients: f() must return a tensor");
  if (dy && !tf.util.arraysEqual(dy.shape, value.shape)) throw new Error(`tapeGradients: dy has shape [${dy.shape}], f() returned [${value.shape}]`);
  const path = nodesFromXsToY(tape, xs, value);
  // Saved tensors of kernels off the path are never read: free them before the backward pass.
  const onPath = new Set(path.map((n) => n.id));
  for (const node of tape) if (!onPath.has(node.id)) disposeSaved(node);
  try {
    const grads = withTape(null, 0, () => backprop(path, xs, value, dy));
    return { value, grads };
  } finally {
    for (const node of path) disposeSaved(node);
  }
}

/**
 * `tf.variableGrads` with the memory behaviour above: the value of the scalar `f()` and its
 * gradient for each of `variables` on a path to it, keyed by the variable's name.
 */
export function tapeVariableGrads(f: () => tf.Scalar, variables: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const { value, grads } = tapeGradients(() => {
    const y = f();
    if (y.rank !== 0) throw new Error(`tapeVariableGrads: f() must return a scalar, got shape [${y.shape}]`);
    return y;
  }, variables);
  if (grads.every((g) => g === null)) {
    value.dispose();
    throw new Error("tapeVariableGrads: no variable is connected to the result of f(); the loss does not depend on the weights given");
  }
  const named: tf.NamedTensorMap = {};
  variables.forEach((v, i) => { const g = grads[i]; if (g) named[v.name] = g; });
  return { value: value as tf.Scalar, grads: named };
}

function disposeSaved(node: TapeNode): void {
  for (const t of node.saved ?? []) t.dispose();
}

/**
 * The tape nodes on a path from some x to y (tfjs's getFilteredNodesXToY), each with its inputs
 * pruned to those that depend on an x.
 */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodeFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodeToY.add(node.id);
      for (const t of Object.values(node.inputs)) toY.add(t.id);
    }
  }
  return tape.filter((n) => nodeFromX.has(n.id) && nodeToY.has(n.id)).map((n) => ({
    ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))),
  }));
}

/** Walks `path` backwards from y, freeing each gradient once the node that produced it has used it. */
function backprop(path: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor, dy: tf.Tensor | undefined): (tf.Tensor | null)[] {
  const wanted = new Set(xs.map((x) => x.id));
  const grad = new Map<number, tf.Tensor>();
  grad.set(y.id, dy ? tf.clone(dy) : tf.onesLike(y));
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    const dys = node.outputs.map((o) => grad.get(o.id) ?? null);
    if (dys.every((d) => d === null)) continue;
    if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    // One scope per node: what its gradient function makes besides the input gradients (the
    // activation's derivative, zeros for unused outputs) is freed before the next node runs.
    const inputs = Object.entries(node.inputs);
    const dxs = tf.tidy(() => {
      const closures = node.gradient!(dys);
      return inputs.map(([name, x]) => {
        const closure = closures[name];
        if (!closure) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}. Available gradients found: ${Object.keys(closures)}.`);
        const g = closure();
        if (g.dtype !== "float32") throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${g.dtype}'`);
        if (!tf.util.arraysEqual(g.shape, x.shape)) throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${g.shape}', which does not match the shape of the input '${x.shape}'`);
        // A gradient function may hand back one of its dys itself; own it separately, since dys are freed below.
        return dys.includes(g) ? tf.clone(g) : g;
      });
    });
    inputs.forEach(([, x], k) => {
      const dx = dxs[k], before = grad.get(x.id);
      if (before) {
        grad.set(x.id, tf.add(before, dx));
        before.dispose();
        dx.dispose();
      } else grad.set(x.id, dx);
    });
    disposeSaved(node);
    // Every consumer of this node's outputs comes later on the tape and has run: their gradients are complete and used.
    for (const o of node.outputs) {
      if (wanted.has(o.id)) continue;
      grad.get(o.id)?.dispose();
      grad.delete(o.id);
    }
  }
  const result = xs.map((x) => grad.get(x.id) ?? null);
  for (const [id, g] of grad) if (!wanted.has(id)) g.dispose();
  return result;
}
