// Types for validators.generated.mjs (written by scripts/repo/generate-validators.ts).
export interface PrecompiledValidator {
  /** sha256 of JSON.stringify(schema) for the schema it was generated from. */
  sha256: string;
  validate: ((data: unknown) => boolean) & { errors?: unknown[] | null };
}
/** The validators as one script, `(require, DATE_FORMATS) => { validators, functions }` (precompiled-validators.ts runs it). */
export declare const source: string;
/** sha256 of `source`. */
export declare const sourceSha256: string;
