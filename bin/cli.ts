/** Dispatches `pcl-stream COMMAND ...` to bin/commands/COMMAND.ts. Each command returns an exit code. */
const COMMANDS = {
  graph: "print a graph's per-node summary (shapes, parameters, FLOPs)",
  train: "train a graph on a folder of images",
  eval: "measure PSNR/SSIM (and NIQE) of a model (or bicubic) on image folders",
  upscale: "upscale image files or folders",
  watch: "upscale every image dropped into a folder, until stopped",
  compare: "compare training runs side by side (validation PSNR/SSIM/NIQE, recipe, seed)",
  quality: "no-reference image quality (NIQE) of image files or folders",
  dashboard: "a live dashboard (curves, validation crops) of running or finished training runs",
  report: "a self-contained HTML report of one training run or several compared",
  import: "import reference EDSR / RCAN / HAN PyTorch weights (.pt, .pth, .safetensors) as a checkpoint",
  export: "export a checkpoint's generator as safetensors (reference keys) or ONNX",
  worker: "run upscale jobs from a shared queue on Redis (many machines)",
  enqueue: "add upscale jobs for image files or folders to the shared queue",
  queue: "the shared queue: status (counts, last failures) or retry-failed",
} as const;
type CommandName = keyof typeof COMMANDS;

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: pcl-stream COMMAND [options]   (pcl-stream COMMAND --help for a command's options)",
    "",
    ...Object.entries(COMMANDS).map(([name, what]) => `  ${name.padEnd(width)}  ${what}`),
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(usage());
    return command ? 0 : 2;
  }
  if (!(command in COMMANDS)) {
    console.error(`pcl-stream: unknown command '${command}'\n\n${usage()}`);
    return 2;
  }
  const module = (await import(`./commands/${command as CommandName}.js`)) as { run(argv: readonly string[]): Promise<number> };
  return module.run(rest);
}
