/**
 * Data flows one way: spec (src/dsl) -> compiled graph (src/compile) -> pipelines -> CLI (bin).
 * These checks read the import lines of every source file and fail when one points the wrong way.
 */
import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : /\.(ts|mts)$/.test(name) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;'"]*?from\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
}

const resolvesInto = (file: string, spec: string, dir: string) =>
  spec.startsWith(".") && relative(ROOT, join(ROOT, file, "..", spec)).startsWith(dir);

const RULES: { room: string; forbid: (file: string, spec: string) => boolean; why: string }[] = [
  { room: "src/dsl", forbid: (_f, s) => s.startsWith("@tensorflow/") || s === "rxjs", why: "the DSL is plain data: no TensorFlow.js, no RxJS" },
  { room: "src/dsl", forbid: (f, s) => ["src/ops", "src/compile", "src/pipelines", "src/backend", "bin"].some((d) => resolvesInto(f, s, d)), why: "the DSL imports nothing further down the chain" },
  { room: "src/ops", forbid: (f, s) => s === "rxjs" || ["src/dsl", "src/compile", "src/pipelines", "bin"].some((d) => resolvesInto(f, s, d)), why: "ops are tfjs functions: no DSL, no RxJS, no pipelines" },
  { room: "src/compile", forbid: (f, s) => s === "rxjs" || ["src/pipelines", "bin"].some((d) => resolvesInto(f, s, d)), why: "compile connects DSL to ops only" },
  { room: "src", forbid: (f, s) => resolvesInto(f, s, "bin"), why: "library code never imports the CLI" },
  {
    room: "src",
    forbid: (f, s) => !["src/train", "src/eval", "src/serve"].some((d) => f.startsWith(d)) && ["src/train", "src/eval", "src/serve"].some((d) => resolvesInto(f, s, d)),
    why: "train, eval and serve (the public functions) sit on top: nothing below them imports them",
  },
  { room: "src", forbid: (_f, s) => s === "tsx" || s.startsWith("tsx/"), why: "the library runs on plain node: no tsx" },
  {
    room: "bin",
    forbid: (f, s) => resolvesInto(f, s, "src") && !/^src\/(index|train\/index|eval\/index|serve\/index|backend\/index|ops\/public)\.js$/.test(relative(ROOT, join(ROOT, f, "..", s))),
    why: "the CLI uses the library through its published entry points, as users do",
  },
];

for (const rule of RULES) {
  test(`${rule.room}: ${rule.why}`, (t) => {
    const bad = files(rule.room).flatMap((f) => imports(f).filter((s) => rule.forbid(f, s)).map((s) => `${f} imports ${s}`));
    t.deepEqual(bad, []);
  });
}

test("the import scanner sees imports (so the rules above can fail)", (t) => {
  t.true(imports("src/compile/layer.ts").includes("../dsl/index.js"));
  // Dynamic imports inside function bodies too: gradients.ts loads tfjs's stock set in registerGradients(), select.ts a backend in its probe.
  t.true(imports("src/backend/gradients.ts").includes("@tensorflow/tfjs-core/dist/register_all_gradients.js"));
  t.true(imports("src/backend/select.ts").includes("./webgpu.js"));
});
