/**
 * The conformance suite's environment: which backends this process has (each one runs a kernel
 * and reports its name), which it lacks and why (one skipped test per absent backend, its title
 * saying how to get it), webgpu required in CI (PCL_REQUIRE_WEBGPU=1), and the comparison rule
 * itself shown to reject what it should. The cases are in test/conformance-*.test.ts.
 */
import test from "ava";
import {
  backendEnvironment, compareOutputs, DEFAULT_TOLERANCE, readOutputs, seededArray, tf, useBackend, WEBGPU_REQUIRED, type ReadValue,
} from "./helpers/backends.js";

const { present, absent } = backendEnvironment;

test.serial(`backends present: ${present.map((b) => b.name).join(", ")}`, async (t) => {
  t.is(present[0]?.name, "cpu", "cpu is always present, and first: it is the reference");
  for (const b of present) {
    await useBackend(b.name);
    t.is(tf.getBackend(), b.tfjsName);
    const got = await readOutputs({ y: tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])) });
    t.deepEqual(Array.from(got.get("y")!.values), [19, 22, 43, 50], `${b.name}: a 2x2 matMul`);
    t.log(`${b.name}: ${b.detail}`);
  }
  for (const a of absent) t.log(`${a.name}: absent (${a.reason}); to enable: ${a.enable}`);
  await useBackend("cpu");
});

for (const a of absent) {
  if (a.name === "webgpu" && WEBGPU_REQUIRED) continue;
  test.skip(`[${a.name}] conformance tests skipped: ${a.reason}; to enable: ${a.enable}`, (t) => t.pass());
}

if (WEBGPU_REQUIRED) {
  test("webgpu is present (PCL_REQUIRE_WEBGPU=1)", (t) => {
    const missing = absent.find((a) => a.name === "webgpu");
    t.is(missing, undefined, `webgpu backend unavailable: ${missing?.reason}; ${missing?.enable}`);
  });
}

const value = (values: number[], shape = [values.length]): ReadValue => ({ shape, values: Float64Array.from(values) });
const one = (v: ReadValue) => new Map([["y", v]]);

test("the comparison passes within the tolerance and reports what lies beyond it", (t) => {
  const ref = value([1, -2, 100, 0.5, 3]);
  t.deepEqual(compareOutputs(one(value([1.0009, -2.0019, 100.09, 0.5004, 3])), one(ref)), [], "within 1e-3 relative");
  const off = compareOutputs(one(value([1, -2, 100, 0.5, 3.0031])), one(ref));
  t.is(off.length, 1);
  t.regex(off[0].message, /^y \[5\] element 4: 3\.0031 vs reference 3 /);
  // Near 0 the floor applies: 1% of the largest |reference| (100) is 1, so |diff| up to 1e-3 passes, 2e-3 does not.
  t.deepEqual(compareOutputs(one(value([1, -2, 100, 0.5, 3, 0.0009], [6])), one(value([1, -2, 100, 0.5, 3, 0], [6]))), []);
  t.is(compareOutputs(one(value([1, -2, 100, 0.5, 3, 0.002], [6])), one(value([1, -2, 100, 0.5, 3, 0], [6]))).length, 1);
  // An all-zero output tolerates atol only.
  t.deepEqual(compareOutputs(one(value([0, 5e-8])), one(value([0, 0]))), []);
  t.is(compareOutputs(one(value([0, 1e-6])), one(value([0, 0]))).length, 1);
  t.is(DEFAULT_TOLERANCE.rtol, 1e-3);
});

test("the comparison rejects NaN, shape changes, and missing or extra outputs", (t) => {
  const ref = one(value([1, 2]));
  t.regex(compareOutputs(one(value([1, NaN])), ref)[0]?.message ?? "", /non-finite/);
  t.regex(compareOutputs(one(value([1, 2], [2, 1])), ref)[0]?.message ?? "", /shape \[2,1\]/);
  t.regex(compareOutputs(new Map(), ref)[0]?.message ?? "", /y: missing/);
  t.regex(compareOutputs(new Map([...ref, ["z", value([0])]]), ref)[0]?.message ?? "", /z: not in the reference/);
});

test("seeded inputs are the same every time and differ between seeds", (t) => {
  t.deepEqual(seededArray(5, 7), seededArray(5, 7));
  t.notDeepEqual(seededArray(5, 7), seededArray(5, 8));
  t.true(seededArray(1000, 1, 0.25, 0.5).every((v) => v >= 0.25 && v < 0.5));
});
