import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocumentText, type AnyDoc } from '../../scripts/repo/parse-document.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { RepoModel } from '../../scripts/repo/repo-model.ts';
import { createSchemaValidator, type SchemaValidator } from '../../scripts/repo/validate-schema.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let validator: SchemaValidator | undefined;
export async function realValidator(): Promise<SchemaValidator> {
  validator ??= createSchemaValidator(await readSchemas(repoRoot));
  return validator;
}

/** Builds a RepoModel from in-memory files (path → YAML text) through the real parser and schemas. */
export async function repoFromFiles(files: Record<string, string>): Promise<RepoModel> {
  const v = await realValidator();
  const docs: AnyDoc[] = [];
  const diagnostics = [];
  for (const [file, text] of Object.entries(files)) {
    const r = parseDocumentText(text, file, v);
    diagnostics.push(...r.diagnostics);
    if (r.doc) docs.push(r.doc);
  }
  return new RepoModel('/virtual', docs, diagnostics, new Set(Object.keys(files)));
}
