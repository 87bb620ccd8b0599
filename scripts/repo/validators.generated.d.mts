// Types for validators.generated.mjs (written by scripts/repo/generate-validators.ts).
export interface PrecompiledValidator {
  /** sha256 of JSON.stringify(schema) for the schema it was generated from. */
  sha256: string;
  validate: ((data: unknown) => boolean) & { errors?: unknown[] | null };
}
export declare const validators: Record<string, PrecompiledValidator | undefined>;
