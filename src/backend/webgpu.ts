/**
 * The `webgpu` TensorFlow.js backend: @tensorflow/tfjs-backend-webgpu on Dawn (the `webgpu`
 * package, Dawn for Node), both optional dependencies. Nothing happens when this module is
 * imported; the first call loads Dawn, asks it for an adapter and describes it:
 *
 *   const r = await registerWebgpuBackend({ allowSoftware: true });   // idempotent; never throws
 *   if (r.ok) await tf.setBackend("webgpu"); else console.warn(`webgpu off: ${r.reason}`);
 *
 * tfjs-backend-webgpu registers its backend only if `navigator.gpu` exists when it is evaluated,
 * and Node 20 has no `navigator`: Dawn's GPU object is put there (and Dawn's GPUBufferUsage & co.
 * on globalThis) just before it is imported; probing alone changes no globals. A software adapter (lavapipe, SwiftShader) runs the
 * kernels correctly but slower than the CPU backends: callers decide with `allowSoftware`.
 */
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { findVulkanLoader, VULKAN_LOADER } from "./vulkan-loader.js";

/** What Dawn says about the adapter WebGPU runs on. */
export interface WebgpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** true for a CPU implementation (lavapipe, SwiftShader) */
  readonly isFallbackAdapter: boolean;
  /** the largest buffer the adapter allows, in bytes */
  readonly maxBufferSize: number;
}

export type WebgpuProbe = { ok: true; adapter: WebgpuAdapterInfo; software: boolean } | { ok: false; reason: string };
export type WebgpuRegistration =
  | { ok: true; adapter: WebgpuAdapterInfo; software: boolean; description: string }
  | { ok: false; reason: string };

// Specifiers held in constants: the packages are optional, so the type-check must not need them.
const DAWN_PACKAGE = "webgpu";
const TFJS_WEBGPU_PACKAGE = "@tensorflow/tfjs-backend-webgpu";
const TFJS_WEBGPU_NAME = "webgpu";

/** The part of WebGPU's GPU / GPUAdapter interfaces used here. */
interface Gpu {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<GpuAdapter | null>;
}
interface GpuAdapter {
  readonly info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  readonly limits: { maxBufferSize: number };
}

/** Dawn's GPU object and the globals tfjs-backend-webgpu expects (none when the host already has navigator.gpu). */
interface Dawn {
  readonly gpu: Gpu;
  readonly globals: Readonly<Record<string, unknown>>;
}

/** The probe's answer, with the Dawn that found the adapter. */
type Probed = { ok: true; adapter: WebgpuAdapterInfo; software: boolean; dawn: Dawn } | { ok: false; reason: string };

let probed: Promise<Probed> | undefined;
let imported: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/**
 * Loads Dawn (once) and describes the adapter tfjs-backend-webgpu would get (it asks for a
 * high-performance one), without loading tfjs-backend-webgpu. Never throws.
 */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  probed ??= probeOnce();
  const probe = await probed;
  return probe.ok ? { ok: true, adapter: probe.adapter, software: probe.software } : probe;
}

/**
 * Probes, then (once) imports tfjs-backend-webgpu so tfjs knows a "webgpu" backend; does not
 * activate it. A software adapter is refused unless `allowSoftware`. Never throws.
 */
export async function registerWebgpuBackend(options: { allowSoftware: boolean }): Promise<WebgpuRegistration> {
  probed ??= probeOnce();
  const probe = await probed;
  if (!probe.ok) return probe;
  if (probe.software && !options.allowSoftware) return { ok: false, reason: softwareOnlyReason(probe.adapter) };
  imported ??= importTfjsWebgpu(probe.dawn);
  const result = await imported;
  if (!result.ok) return result;
  return { ok: true, adapter: probe.adapter, software: probe.software, description: adapterLabel(probe.adapter) };
}

/** "nvidia hopper: NVIDIA H100 80GB HBM3": vendor, architecture and description, those Dawn fills in. */
export function adapterLabel(info: WebgpuAdapterInfo): string {
  const kind = [info.vendor, info.architecture].filter(Boolean).join(" ");
  const name = info.description || info.device;
  return [kind, name].filter(Boolean).join(": ") || "an adapter without a name";
}

/** Why Dawn found no adapter, on one line: no Vulkan loader, or a loader without a driver (Linux). */
export function noAdapterReason(platform: NodeJS.Platform, loader: string | undefined): string {
  if (platform === "darwin") return "no WebGPU adapter: Dawn found no Metal device";
  if (platform === "win32") return "no WebGPU adapter: Dawn found no D3D12 or Vulkan device";
  if (!loader) return `no Vulkan loader: ${VULKAN_LOADER} is not in LD_LIBRARY_PATH, the ldconfig cache, /lib or /usr/lib`;
  return `no GPU driver: the Vulkan loader (${loader}) found no device Dawn accepts`;
}

/** Why the automatic choice passes over a software adapter. */
export function softwareOnlyReason(info: WebgpuAdapterInfo): string {
  return `software adapter only (${adapterLabel(info)})`;
}

async function probeOnce(): Promise<Probed> {
  const missing = notInstalled(TFJS_WEBGPU_PACKAGE);
  if (missing) return { ok: false, reason: missing };
  // Without a Vulkan loader Dawn finds nothing on Linux, and says so on stderr at every start: ask it nothing.
  if (process.platform === "linux" && !findVulkanLoader()) return { ok: false, reason: noAdapterReason("linux", undefined) };
  const loaded = await loadDawn();
  if (!loaded.ok) return loaded;
  const { dawn } = loaded;
  let adapter: GpuAdapter | null;
  try {
    adapter = await dawn.gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (err) {
    return { ok: false, reason: `Dawn's requestAdapter failed: ${firstLine(err)}` };
  }
  if (!adapter) return { ok: false, reason: noAdapterReason(process.platform, process.platform === "linux" ? findVulkanLoader() : undefined) };
  const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info;
  const info: WebgpuAdapterInfo = {
    vendor, architecture, device, description,
    isFallbackAdapter: isFallbackAdapter === true,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
  return { ok: true, adapter: info, software: isSoftware(info), dawn };
}

/** Loads Dawn and creates its GPU object; a GPU the host already has at navigator.gpu is used as is. */
async function loadDawn(): Promise<{ ok: true; dawn: Dawn } | { ok: false; reason: string }> {
  const host = globalThis as { navigator?: { gpu?: Gpu } };
  if (host.navigator?.gpu) return { ok: true, dawn: { gpu: host.navigator.gpu, globals: {} } };
  let module: { create(flags: string[]): Gpu; globals: Record<string, unknown> };
  try {
    module = (await import(DAWN_PACKAGE)) as typeof module;
  } catch (err) {
    return { ok: false, reason: notInstalled(DAWN_PACKAGE) ?? `Dawn (package '${DAWN_PACKAGE}') did not load: ${firstLine(err)}` };
  }
  try {
    return { ok: true, dawn: { gpu: module.create([]), globals: module.globals } };
  } catch (err) {
    return { ok: false, reason: `Dawn (package '${DAWN_PACKAGE}') could not start: ${firstLine(err)}` };
  }
}

/** Puts Dawn's GPU at navigator.gpu and its GPUBufferUsage, GPUMapMode, ... on globalThis (existing globals are kept). */
function installGlobals({ gpu, globals }: Dawn): void {
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const host = globalThis as { navigator?: { gpu?: Gpu } };
  if (host.navigator?.gpu === gpu) return;
  if (host.navigator) Object.defineProperty(host.navigator, "gpu", { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
}

async function importTfjsWebgpu(dawn: Dawn): Promise<{ ok: true } | { ok: false; reason: string }> {
  installGlobals(dawn);
  try {
    await import(TFJS_WEBGPU_PACKAGE);
  } catch (err) {
    return { ok: false, reason: notInstalled(TFJS_WEBGPU_PACKAGE) ?? `${TFJS_WEBGPU_PACKAGE} did not load: ${firstLine(err)}` };
  }
  if (!tf.findBackendFactory(TFJS_WEBGPU_NAME)) {
    return { ok: false, reason: `${TFJS_WEBGPU_PACKAGE} registered no '${TFJS_WEBGPU_NAME}' backend (it was evaluated before navigator.gpu existed)` };
  }
  return { ok: true };
}

/** The reason when `pkg` cannot be resolved from here, else undefined. */
function notInstalled(pkg: string): string | undefined {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return undefined;
  } catch {
    return `package '${pkg}' is not installed (an optional dependency of pcl-stream)`;
  }
}

function isSoftware(info: WebgpuAdapterInfo): boolean {
  return info.isFallbackAdapter || info.architecture === "software" || /llvmpipe|lavapipe|swiftshader/i.test(`${info.description} ${info.device}`);
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split("\n")[0];
