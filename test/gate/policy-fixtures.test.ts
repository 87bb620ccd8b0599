import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkPolicyReferences, toPerson } from '../../scripts/gate/policy.ts';
import type { ApprovalPolicy } from '../../scripts/gate/types.ts';
import { parseDocumentText } from '../../scripts/repo/parse-document.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { FIXTURES, ROOT } from './helpers.ts';

/**
 * Every file under test/fixtures/gate/policy/{valid,invalid}/ is a case for
 * schemas/approval.schema.json. Invalid files list what they must produce:
 *   # expect: CODE POINTER LINE
 */
const validator = createSchemaValidator(await readSchemas(ROOT));
const dir = path.join(FIXTURES, 'policy');
const cases = (v: string) =>
  readdirSync(path.join(dir, v))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

describe('approval policy fixtures', () => {
  it.each(cases('valid'))('valid/%s has no diagnostics', (f) => {
    const r = parseDocumentText(readFileSync(path.join(dir, 'valid', f), 'utf8'), 'policies/approval.yaml', validator);
    expect(r.diagnostics).toEqual([]);
    expect(r.doc?.kind).toBe('approval');
  });

  it.each(cases('invalid'))('invalid/%s gives exactly the expected diagnostics', (f) => {
    const text = readFileSync(path.join(dir, 'invalid', f), 'utf8');
    const expected = [...text.matchAll(/^# expect: (\S+) (\S+) (\d+)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort();
    expect(expected.length).toBeGreaterThan(0);
    const r = parseDocumentText(text, 'policies/approval.yaml', validator);
    expect(r.diagnostics.map((d) => `${d.code} ${d.pointer ?? '-'} ${d.line}`).sort()).toEqual(expected);
    expect(r.doc).toBeUndefined();
  });

  it('the sample policy refers only to people that exist; unknown teams and people are problems', () => {
    const peopleDir = path.join(ROOT, 'policies/access/people');
    const people = readdirSync(peopleDir).map((f) => toPerson(parse(readFileSync(path.join(peopleDir, f), 'utf8'))));
    const sample = parse(readFileSync(path.join(ROOT, 'policies/approval.yaml'), 'utf8')) as ApprovalPolicy;
    expect(checkPolicyReferences(sample, people, 'policies/approval.yaml')).toEqual([]);
    const broken: ApprovalPolicy = {
      ...sample,
      rules: [
        { id: 'x', title: 'x', if: {}, require: { count: 1, from: { teams: ['nope'], people: ['ghost'] } } },
        { id: 'x', title: 'dup', if: {}, require: { count: 1, from: { teams: ['ops'] } } },
      ],
    };
    expect(checkPolicyReferences(broken, people, 'policies/approval.yaml').map((p) => p.code)).toEqual(['approval.unknown-team', 'approval.unknown-person', 'approval.duplicate-rule']);
  });
});
