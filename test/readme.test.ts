/**
 * The README's "Use it from code" program is test/fixtures/readme-use-it-from-code.ts, word for
 * word, so `npm run typecheck` compiles what the README shows (the program itself is
 * examples/compose-train-eval-upscale.ts in full, run by test/examples.test.ts).
 */
import test from "ava";
import { readFileSync } from "node:fs";

const ROOT = new URL("..", import.meta.url);

test("the README's first code block under 'Use it from code' is the type-checked fixture", (t) => {
  const readme = readFileSync(new URL("README.md", ROOT), "utf8");
  const section = readme.slice(readme.indexOf("## Use it from code"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.is(block, readFileSync(new URL("test/fixtures/readme-use-it-from-code.ts", ROOT), "utf8"));
});
