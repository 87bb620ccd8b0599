import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatedValidatorsFile, renderValidators } from '../../scripts/repo/generate-validators.ts';
import { splitFrontMatter } from '../../scripts/repo/front-matter.ts';
import { parseDocumentText } from '../../scripts/repo/parse-document.ts';
import { parseYamlText } from '../../scripts/repo/parse-yaml.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator, schemaFingerprint } from '../../scripts/repo/validate-schema.ts';
import { precompiledValidators } from '../../scripts/repo/precompiled-validators.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { change } from '../rules/fixture-docs.ts';

/** Every fixture document that parses as YAML, with the schema of its kind. */
function fixtureDocuments(schemas: Record<string, object>): Array<{ kind: string; file: string; data: unknown }> {
  const out: Array<{ kind: string; file: string; data: unknown }> = [];
  const root = path.join(repoRoot, 'test/fixtures');
  for (const kind of readdirSync(root).filter((k) => k in schemas)) {
    for (const validity of ['valid', 'invalid']) {
      const dir = path.join(root, kind, validity);
      for (const name of readdirSync(dir)) {
        let text = readFileSync(path.join(dir, name), 'utf8');
        if (name.endsWith('.md')) text = splitFrontMatter(text)?.yaml ?? '';
        const parsed = parseYamlText(text, name);
        if (parsed.data !== undefined) out.push({ kind, file: `${kind}/${validity}/${name}`, data: parsed.data });
      }
    }
  }
  return out;
}

let schemas: Record<string, object>;
beforeAll(async () => {
  schemas = await readSchemas(repoRoot);
});

describe('precompiled schema validators', () => {
  it('match schemas/*.schema.json (run `npm run gen:types` after editing a schema)', async () => {
    expect(await readFile(generatedValidatorsFile, 'utf8')).toBe(await renderValidators());
  });

  it('are used for the schemas they were generated from; a repository that edits a schema gets its own schema', () => {
    expect(precompiledValidators().change?.sha256).toBe(schemaFingerprint(schemas.change!));
    const calls: string[] = [];
    const spy = (name: string, sha256: string) => ({ sha256, validate: Object.assign(() => (calls.push(name), true), { errors: null }) });
    const v = createSchemaValidator(schemas, { precompiled: { change: spy('change', schemaFingerprint(schemas.change!)), host: spy('host', 'f'.repeat(64)) } });
    v.validate('change', {}, 'f', () => ({ line: 1, col: 1 }));
    expect(v.validate('host', {}, 'f', () => ({ line: 1, col: 1 })).map((d) => d.code)).toContain('schema.required');
    expect(calls).toEqual(['change']);
    const edited = structuredClone(schemas.change) as { properties: { risk: { enum: string[] } } };
    edited.properties.risk.enum.push('trivial');
    const text = change({ risk: 'trivial' });
    const codes = (v: ReturnType<typeof createSchemaValidator>) => parseDocumentText(text, 'changes/2026/CHG-2026-0001.yaml', v).diagnostics.map((d) => d.code);
    expect(codes(createSchemaValidator(schemas))).toEqual(['schema.enum']);
    expect(codes(createSchemaValidator({ ...schemas, change: edited }))).toEqual([]);
  });

  it('give exactly the diagnostics of validators compiled at run time, for every fixture', () => {
    const fast = createSchemaValidator(schemas);
    const slow = createSchemaValidator(schemas, { precompiled: false });
    const docs = fixtureDocuments(schemas);
    expect(docs.length).toBeGreaterThan(40);
    const locate = (pointer: string) => ({ line: pointer.length, col: 1 });
    let findings = 0;
    for (const d of docs) {
      const got = fast.validate(d.kind, d.data, d.file, locate);
      expect(got).toEqual(slow.validate(d.kind, d.data, d.file, locate));
      findings += got.length;
    }
    expect(findings).toBeGreaterThan(20);
  });
});
