/**
 * Generates scripts/model/documents.generated.ts from schemas/*.schema.json.
 * The schemas are the source of truth; test/model/generated-types.test.ts fails when this file drifts.
 * Usage: npm run gen:types
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const generatedTypesFile = path.join(root, 'scripts/model/documents.generated.ts');

function typeName(file: string): string {
  return (
    file
      .replace('.schema.json', '')
      .split('-')
      .map((p) => p[0]!.toUpperCase() + p.slice(1))
      .join('') + 'Document'
  );
}

export async function renderDocumentTypes(schemaDir = path.join(root, 'schemas')): Promise<string> {
  // report.schema.json describes the report's JSON output, not a document kind.
  const files = (await readdir(schemaDir)).filter((f) => f.endsWith('.schema.json') && f !== 'report.schema.json').sort();
  const parts = ['/* eslint-disable */', '// Generated from schemas/*.schema.json by `npm run gen:types`. Do not edit by hand.', ''];
  for (const file of files) {
    const schema = JSON.parse(await readFile(path.join(schemaDir, file), 'utf8')) as JSONSchema;
    const ts = await compile({ ...schema, title: typeName(file) }, typeName(file), {
      bannerComment: '',
      additionalProperties: false,
      strictIndexSignatures: true,
      format: false,
      declareExternallyReferenced: true,
    });
    parts.push(`// ${file}`, ts.trim(), '');
  }
  return parts.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await writeFile(generatedTypesFile, await renderDocumentTypes());
  console.log(`wrote ${path.relative(process.cwd(), generatedTypesFile)}`);
}
