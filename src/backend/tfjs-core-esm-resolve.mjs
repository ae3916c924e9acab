/**
 * Node module-resolution hook used by gradients.ts. tfjs-core's ESM files (dist/**.js, which
 * hold the gradient registrations) import siblings without extensions, e.g. `from './gradients'`;
 * where a file and a folder share that name (dist/gradients.js, dist/gradients/) Node's ESM
 * resolver stops at the folder (ERR_UNSUPPORTED_DIR_IMPORT). This hook tries `<specifier>.js`
 * first, for relative extensionless imports made from inside tfjs-core's dist only.
 */
export async function resolve(specifier, context, nextResolve) {
  const fromTfjsCore = context.parentURL?.includes("/@tensorflow/tfjs-core/dist/") ?? false;
  if (fromTfjsCore && /^\.\.?\//.test(specifier) && !specifier.endsWith(".js")) {
    try {
      return await nextResolve(`${specifier}.js`, context);
    } catch {
      // not a file: fall through to the default resolution (folders with index.js)
    }
  }
  return nextResolve(specifier, context);
}
