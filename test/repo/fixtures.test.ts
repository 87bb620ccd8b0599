import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocumentText } from '../../scripts/repo/parse-document.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator, type SchemaValidator } from '../../scripts/repo/validate-schema.ts';

/**
 * Every file under test/fixtures/<kind>/{valid,invalid}/ is a test case.
 * Invalid files state what they must produce, one line per diagnostic:
 *   # expect: CODE POINTER LINE      (POINTER is `-` when the diagnostic has none)
 * A `# path: changes/2026/CHG-2025-0007.yaml` line overrides the document path
 * the fixture is parsed as; by default the file name decides it.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesDir = path.join(repoRoot, 'test/fixtures');

const KIND_PATHS: Record<string, (name: string) => string> = {
  host: (n) => `inventory/hosts/${n}.yaml`,
  group: (n) => `inventory/groups/${n}.yaml`,
  organisation: () => 'policies/organisation.yaml',
  calendar: () => 'policies/calendar.yaml',
  sla: () => 'policies/sla.yaml',
  oncall: () => 'policies/oncall.yaml',
  person: (n) => `policies/access/people/${n}.yaml`,
  role: (n) => `policies/access/roles/${n}.yaml`,
  grant: (n) => `policies/access/grants/${n}.yaml`,
  'access-review': (n) => `policies/access/reviews/${n}.yaml`,
  exception: (n) => `policies/exceptions/${n}.yaml`,
  contact: (n) => `policies/contacts/${n}.yaml`,
  handover: (n) => `incidents/handovers/${yearOf(n)}/${n}.yaml`,
  'backup-policy': (n) => `policies/backup/${n}.yaml`,
  change: (n) => `changes/${yearOf(n)}/${n}.yaml`,
  incident: (n) => `incidents/${yearOf(n)}/${n}.yaml`,
  runbook: (n) => `runbooks/${n}.md`,
  'monthly-notes': (n) => `reports/notes/${n}.yaml`,
};

function yearOf(name: string): string {
  return /^[A-Z]+-(\d{4})-/.exec(name)?.[1] ?? '2026';
}

interface Expectation {
  code: string;
  pointer: string;
  line: number;
}

interface Fixture {
  kind: string;
  validity: 'valid' | 'invalid';
  file: string;
  docPath: string;
  text: string;
  expects: Expectation[];
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const kind of Object.keys(KIND_PATHS)) {
    for (const validity of ['valid', 'invalid'] as const) {
      const dir = path.join(fixturesDir, kind, validity);
      const names = readdirSync(dir)
        .filter((f) => /\.(ya?ml|md)$/.test(f))
        .sort();
      for (const name of names) {
        const text = readFileSync(path.join(dir, name), 'utf8');
        const expects = [...text.matchAll(/^(?:<!-- )?# expect: (\S+) (\S+) (\d+)/gm)].map((m) => ({ code: m[1]!, pointer: m[2]!, line: Number(m[3]) }));
        const override = /^# path: (\S+)$/m.exec(text)?.[1];
        out.push({ kind, validity, file: `${kind}/${validity}/${name}`, docPath: override ?? KIND_PATHS[kind]!(name.replace(/\.(ya?ml|md)$/, '')), text, expects });
      }
    }
  }
  return out;
}

const fixtures = loadFixtures();
let validator: SchemaValidator;
beforeAll(async () => {
  validator = createSchemaValidator(await readSchemas(repoRoot));
});

const byKey = (a: Expectation, b: Expectation) => a.line - b.line || a.code.localeCompare(b.code) || a.pointer.localeCompare(b.pointer);

describe('document fixtures', () => {
  it.each(Object.keys(KIND_PATHS))('%s has valid and invalid fixtures', (kind) => {
    expect(fixtures.filter((f) => f.kind === kind && f.validity === 'valid').length).toBeGreaterThan(0);
    expect(fixtures.filter((f) => f.kind === kind && f.validity === 'invalid').length).toBeGreaterThan(0);
  });

  it.each(fixtures.filter((f) => f.validity === 'invalid'))('$file states what it must produce', (f) => {
    expect(f.expects.length).toBeGreaterThan(0);
  });

  it.each(fixtures.filter((f) => f.validity === 'valid'))('$file is valid as $docPath', (f) => {
    const result = parseDocumentText(Buffer.from(f.text), f.docPath, validator);
    expect(result.diagnostics).toEqual([]);
    expect(result.doc?.kind).toBe(f.kind);
  });

  it.each(fixtures.filter((f) => f.validity === 'invalid'))('$file yields exactly its expected diagnostics', (f) => {
    const result = parseDocumentText(Buffer.from(f.text), f.docPath, validator);
    expect(result.doc).toBeUndefined();
    const got = result.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, pointer: d.pointer ?? '-', line: d.line }));
    expect(got.sort(byKey)).toEqual([...f.expects].sort(byKey));
    for (const d of result.diagnostics) {
      expect(d.file).toBe(f.docPath);
      expect(d.col).toBeGreaterThanOrEqual(1);
      expect(d.message.length).toBeGreaterThan(0);
    }
  });
});
