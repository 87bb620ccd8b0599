import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_KINDS, matchKind } from '../../scripts/repo/kinds.ts';
import { renderVscodeSettings } from '../../scripts/scaffold/init.ts';

/**
 * Lint reads every document kind spelled .yaml or .yml (scripts/repo/kinds.ts), so the editor settings `opsgate init`
 * writes must give a team that spells its files .yml the same schema help: every kind's schema is mapped to both
 * spellings, and a file of one kind never gets another kind's schema.
 */
const EXAMPLES: Record<string, string> = {
  host: 'inventory/hosts/web-01',
  group: 'inventory/groups/web',
  organisation: 'policies/organisation',
  approval: 'policies/approval',
  calendar: 'policies/calendar',
  sla: 'policies/sla',
  oncall: 'policies/oncall',
  baseline: 'policies/baselines/linux',
  'backup-policy': 'policies/backup/mysql',
  advisory: 'policies/advisories/ADV-2026-0001',
  person: 'policies/access/people/alice',
  role: 'policies/access/roles/dba',
  grant: 'policies/access/grants/GR-2026-0001',
  'access-review': 'policies/access/reviews/AR-2026-Q4',
  exception: 'policies/exceptions/EXC-2026-0001',
  contact: 'policies/contacts/aliyun',
  'monthly-notes': 'reports/notes/2026-11',
  change: 'changes/2026/CHG-2026-0001',
  incident: 'incidents/2026/INC-2026-0001',
  handover: 'incidents/handovers/2026/HO-2026-11-11-0800',
};
const YAML_KINDS = DOCUMENT_KINDS.filter((k) => k.kind !== 'runbook');
const settings = JSON.parse(renderVscodeSettings(YAML_KINDS.map((k) => `${k.schema}.schema.json`)))['yaml.schemas'] as Record<string, unknown>;
const matcherOf = (schema: string) => {
  const globs = settings[`./schemas/${schema}.schema.json`];
  expect(typeof globs === 'string' || (Array.isArray(globs) && globs.every((g) => typeof g === 'string')), schema).toBe(true);
  return picomatch(globs as string | string[]);
};

describe('opsgate init: the editor maps each schema to both spellings of its documents', () => {
  it('every YAML document kind has an example here (a new kind needs one)', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(YAML_KINDS.map((k) => k.kind).sort());
  });

  it.each(YAML_KINDS.flatMap((k) => ['.yaml', '.yml'].map((ext) => [k.kind, `${EXAMPLES[k.kind]}${ext}`, k.schema] as const)))('%s: %s gets its schema, and no other', (kind, file, schema) => {
    expect(matchKind(file)?.kind).toBe(kind);
    expect(matcherOf(schema)(file)).toBe(true);
    for (const other of YAML_KINDS) if (other.schema !== schema) expect(matcherOf(other.schema)(file), other.schema).toBe(false);
  });
});
