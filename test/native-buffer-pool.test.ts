/**
 * The native backend's pool of recycled output buffers: what it may hand out again and what it
 * must never touch (a user's array, an array read out with dataSync, a buffer a live slice views).
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import { Float32BufferPool } from "../src/backend/native/buffer-pool.js";
import { NativeBackend, registerNativeBackend, setNativeBufferPool } from "../src/backend/native/index.js";
import { registerGradients } from "../src/backend/gradients.js";

await registerGradients();

const N = 8192; // above the pool's minimum length

test("a buffer comes back only after every holder let go of it", (t) => {
  const pool = new Float32BufferPool(1 << 20);
  const a = pool.take(N);
  pool.attach(a);
  pool.attach(a); // a second data id holding the same array
  pool.detach(a);
  t.not(pool.take(N), a, "still held by one data id");
  pool.detach(a);
  t.is(pool.heldBytes, N * 4);
  t.is(pool.take(N), a);
  t.is(pool.heldBytes, 0);
});

test("escaped buffers, views, foreign arrays and small arrays are never recycled", (t) => {
  const pool = new Float32BufferPool(1 << 20);
  const read = pool.take(N);
  pool.attach(read);
  pool.escape(read);
  pool.detach(read);
  const viewed = pool.take(N);
  pool.attach(viewed);
  pool.attach(viewed.subarray(10, 20)); // a slice sharing its memory
  pool.detach(viewed);
  const foreign = new Float32Array(N);
  pool.attach(foreign);
  pool.detach(foreign);
  const small = pool.take(16);
  pool.attach(small);
  pool.detach(small);
  t.is(pool.heldBytes, 0);
});

test("a length asked for only once is not kept (one-off sizes would sit in the pool unused)", (t) => {
  const pool = new Float32BufferPool(1 << 24);
  const once = pool.take(N + 1);
  pool.attach(once);
  pool.detach(once);
  t.is(pool.heldBytes, 0);
  const first = pool.take(N + 2), second = pool.take(N + 2);
  for (const x of [first, second]) { pool.attach(x); pool.detach(x); }
  t.is(pool.heldBytes, 2 * (N + 2) * 4, "a repeated length is kept");
});

test("lowering the capacity drops free buffers beyond it; capacity 0 keeps nothing", (t) => {
  const pool = new Float32BufferPool(1 << 24);
  const bufs = [pool.take(N), pool.take(N), pool.take(N)];
  for (const x of bufs) { pool.attach(x); pool.detach(x); }
  t.is(pool.heldBytes, 3 * N * 4);
  pool.setCapacity(N * 4);
  t.is(pool.heldBytes, N * 4);
  pool.setCapacity(0);
  t.is(pool.heldBytes, 0);
  const again = [pool.take(N), pool.take(N)];
  for (const x of again) { pool.attach(x); pool.detach(x); }
  t.is(pool.heldBytes, 0);
});

test("the pool keeps at most its capacity and zeroes or poisons on request", (t) => {
  const pool = new Float32BufferPool(N * 4);
  const [a, b] = [pool.take(N), pool.take(N)];
  a.fill(7);
  for (const x of [a, b]) { pool.attach(x); pool.detach(x); }
  t.is(pool.heldBytes, N * 4, "the second buffer is over capacity and dropped");
  const z = pool.take(N, true);
  t.is(z, a);
  t.true(z.every((v) => v === 0));
  pool.attach(z); pool.detach(z);
  pool.setPoison(true);
  t.true(pool.take(N).every((v) => Number.isNaN(v)));
});

const reg = registerNativeBackend();
const serial = reg.ok ? test.serial : test.skip;

serial("on the native backend, user arrays and read-out arrays survive later kernels", async (t) => {
  await tf.setBackend("native");
  const pool = (tf.backend() as NativeBackend).pool;
  const user = Float32Array.from({ length: N }, (_, i) => i);
  const x = tf.tensor1d(user); // tfjs adopts the user's array as the tensor's storage
  const doubled = tf.mul(x, 2);
  const out = doubled.dataSync();
  const outCopy = out.slice();
  tf.dispose([x, doubled]);
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.add(tf.mul(tf.ones([N]), 3), 1).dataSync());
  tf.tidy(() => { tf.mul(tf.ones([N]), -5); tf.neg(tf.ones([N])); }); // disposed unread: these recycle
  const again = tf.tidy(() => tf.mul(tf.ones([N]), 9));
  t.true(user.every((v, i) => v === i), "the user's array is untouched");
  t.deepEqual(out, outCopy, "an array read with dataSync is untouched");
  t.true((again.dataSync() as Float32Array).every((v) => v === 9));
  again.dispose();
  t.true(pool.heldBytes > 0, "disposed unread outputs were recycled");
});

serial("on the native backend, a slice that views a pooled buffer keeps its values", async (t) => {
  await tf.setBackend("native");
  const base = tf.tidy(() => tf.mul(tf.range(0, 2 * N), 1));
  const [first] = tf.split(base, 2); // tfjs-backend-cpu's simple slice: a subarray view of base's storage
  base.dispose();
  tf.tidy(() => { for (let i = 0; i < 4; i++) tf.mul(tf.ones([2 * N]), -1); });
  const v = first.dataSync();
  t.true(v.every((x, i) => x === i));
  first.dispose();
});

serial("setNativeBufferPool(0) empties the running backend's pool and stops recycling", async (t) => {
  await tf.setBackend("native");
  const pool = (tf.backend() as NativeBackend).pool;
  for (let i = 0; i < 3; i++) tf.tidy(() => { tf.mul(tf.ones([N]), 2); });
  t.true(pool.heldBytes > 0);
  setNativeBufferPool(0);
  t.is(pool.heldBytes, 0);
  for (let i = 0; i < 3; i++) tf.tidy(() => { tf.mul(tf.ones([N]), 2); });
  t.is(pool.heldBytes, 0);
  setNativeBufferPool(1024);
});
