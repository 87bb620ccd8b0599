// Types for validators.generated.mjs (written by scripts/repo/generate-validators.ts).
export interface PrecompiledValidator {
  /** sha256 of JSON.stringify(schema) for the schema it was generated from. */
  sha256: string;
  validate: ((data: unknown) => boolean) & { errors?: unknown[] | null };
}
/** sha256 of validators.generated.js, the validators as one script, `(require, DATE_FORMATS) => { validators, functions }` (precompiled-validators.ts checks and runs it). */
export declare const sourceSha256: string;
