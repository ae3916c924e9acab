/**
 * sharp, loaded on first use rather than on import: loading it loads libvips, a native library that
 * also sets VIPSHOME in the environment, and importing pcl-stream changes no process state.
 */
import type Sharp from "sharp";

let loading: Promise<typeof Sharp> | undefined;

/** The sharp module (its default export), imported once. */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import("sharp").then((m) => m.default);
  return loading;
}
