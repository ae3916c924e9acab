/** Runs test/fixtures/select-backend.ts in a child process with the given environment changes (undefined: removed). */
import { spawn } from "node:child_process";

export interface ChildSelection {
  readonly code: number | null;
  /** selectedBackendInfo() as the child printed it, when it succeeded */
  readonly info?: { name: string; description?: string; software?: boolean };
  /** the chosen-backend line, or the error; Dawn's own "Warning:" lines and their stack lines left out */
  readonly stderr: string;
}

export function selectInChild(env: Record<string, string | undefined>): Promise<ChildSelection> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, ["--import=tsx", "test/fixtures/select-backend.ts"], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const ours = stderr.split("\n").filter((l) => l.trim() && !l.startsWith("Warning:") && !/^\s+at /.test(l)).join("\n");
      const line = stdout.trim().split("\n").pop();
      resolve({ code, stderr: ours, info: code === 0 && line ? JSON.parse(line) : undefined });
    });
  });
}
