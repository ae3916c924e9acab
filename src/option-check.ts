/**
 * Checks of the options objects the public functions take (train, evaluateFolder, upscaleFiles,
 * watchFolder, ...), for JavaScript callers and casts that the types did not stop: a wrong value is
 * an OptionError naming the function, the field, what was expected and what came.
 */

/** An option of the wrong type or out of range. */
export class OptionError extends TypeError {
  override readonly name = "OptionError";
  constructor(readonly fn: string, readonly field: string, readonly expected: string, got: unknown) {
    super(`${fn}: '${field}' must be ${expected}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return "an array";
  if (v !== null && typeof v === "object") return "an object";
  return String(v);
}

/** One optional field: absent (undefined) always passes. */
export type FieldRule = readonly [field: string, ok: (v: unknown) => boolean, expected: string];

export const isString = (v: unknown): boolean => typeof v === "string" && v.length > 0;
export const isBoolean = (v: unknown): boolean => typeof v === "boolean";
export const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
export const isNonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
export const isOneOf = (values: readonly unknown[]) => (v: unknown): boolean => values.includes(v);
export const isObservableInput = (v: unknown): boolean => v !== null && (typeof v === "object" || typeof v === "function");

/** Throws an OptionError for the first field that breaks its rule; `options` itself may be undefined. */
export function checkOptions(fn: string, options: unknown, rules: readonly FieldRule[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) throw new OptionError(fn, "options", "an object", options);
  const o = options as Record<string, unknown>;
  for (const [field, ok, expected] of rules) {
    if (o[field] !== undefined && !ok(o[field])) throw new OptionError(fn, field, expected, o[field]);
  }
}
