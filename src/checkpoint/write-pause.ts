/**
 * A test-only hook of the checkpoint writer: with PCL_STREAM_TEST_CHECKPOINT_PAUSE_MS set, each
 * stage of a checkpoint write is announced on stderr (`pcl-stream-test: checkpoint <dir> <stage>`)
 * and followed by a pause of that many milliseconds, so the kill harness (test/train-kill.test.ts)
 * can SIGKILL a real `pcl-stream train` at a chosen point of a real write. Unset, it does nothing.
 */

/** The points of a write, in order (see save.ts). */
export type CheckpointStage = "weights-partial" | "weights" | "manifest" | "moved-aside" | "swapped";

export async function checkpointStage(dir: string, stage: CheckpointStage): Promise<void> {
  const ms = Number(process.env.PCL_STREAM_TEST_CHECKPOINT_PAUSE_MS);
  if (!(ms > 0)) return;
  process.stderr.write(`pcl-stream-test: checkpoint ${dir} ${stage}\n`);
  await new Promise((resolve) => setTimeout(resolve, ms));
}
