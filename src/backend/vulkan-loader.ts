/**
 * Where the Vulkan loader (libvulkan.so.1) is, as the dynamic linker would look for it on Linux:
 * LD_LIBRARY_PATH, the ldconfig cache, then the default directories. Dawn (WebGPU) needs it there;
 * when Dawn finds no adapter, this tells "no loader" apart from "a loader but no driver".
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const VULKAN_LOADER = "libvulkan.so.1";

const DEFAULT_DIRS = ["/lib", "/usr/lib", "/lib64", "/usr/lib64"];

/** The loader's path, or undefined when none is found. `cachedLibraries` returns `ldconfig -p`'s paths (injectable for tests). */
export function findVulkanLoader(
  env: NodeJS.ProcessEnv = process.env,
  cachedLibraries: () => readonly string[] = ldconfigCache,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const fromEnv = (env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean).map((dir) => join(dir, VULKAN_LOADER));
  const fromCache = cachedLibraries().filter((path) => path.endsWith(`/${VULKAN_LOADER}`));
  return [...fromEnv, ...fromCache, ...DEFAULT_DIRS.map((dir) => join(dir, VULKAN_LOADER))].find((path) => exists(path));
}

/** The library paths in the ldconfig cache (`ldconfig -p`: "\tlibfoo.so.1 (libc6,x86-64) => /lib/.../libfoo.so.1"); [] where there is none. */
function ldconfigCache(): readonly string[] {
  for (const ldconfig of ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
    try {
      const out = execFileSync(ldconfig, ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 });
      return [...out.matchAll(/=>\s*(\S+)/g)].map((m) => m[1]);
    } catch {
      // not on PATH or not runnable: try the next location
    }
  }
  return [];
}
