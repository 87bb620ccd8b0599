import { describe, expect, it } from 'vitest';
import { checkReferences } from '../../scripts/rules/references.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { calendar, group, host, person } from './fixture-docs.ts';

// checkReferences builds a list item's pointer only when it reports the item: each one must still point at its own item.
async function unknown(files: Record<string, string>) {
  const repo = await repoFromFiles({ 'inventory/groups/web.yaml': group('web'), 'policies/access/people/alice.yaml': person('alice'), ...files });
  return checkReferences({ repo, now: new Date('2026-11-27T10:00:00+08:00'), existingFiles: new Set() }).map((d) => `${d.file}:${d.line} ${d.code} ${d.pointer}`);
}

describe('reference pointers', () => {
  it('point at the item of a list, at any depth', async () => {
    const cal = calendar.replace('applies_to: { envs: [prod] }', 'applies_to: { envs: [prod], groups: [web, nope], hosts: [web-01, gone] }');
    expect(
      await unknown({
        'inventory/hosts/web-01.yaml': host('web-01', { groups: 'web, db, web2' }),
        'policies/calendar.yaml': cal,
      }),
    ).toEqual([
      'inventory/hosts/web-01.yaml:5 reference.unknown /groups/1',
      'inventory/hosts/web-01.yaml:5 reference.unknown /groups/2',
      'policies/calendar.yaml:10 reference.unknown /maintenance_windows/0/applies_to/groups/1',
      'policies/calendar.yaml:10 reference.unknown /maintenance_windows/0/applies_to/hosts/1',
    ]);
  });

  it('and at a single reference by its own pointer', async () => {
    expect(await unknown({ 'inventory/hosts/web-01.yaml': host('web-01') + 'jump_host: bastion\n' })).toEqual(['inventory/hosts/web-01.yaml:9 reference.unknown /jump_host']);
  });

  it('reports a duplicate id on the later document of the kind, naming the first', async () => {
    const repo = await repoFromFiles({
      'inventory/hosts/web-01.yaml': host('web-01', { groups: 'web' }),
      'inventory/hosts/web-01.yml': host('web-01', { groups: 'web' }),
      'inventory/hosts/web-02.yaml': host('web-02', { groups: 'web' }),
      'inventory/groups/web.yaml': group('web'),
      'inventory/groups/web.yml': group('web'),
      'policies/access/people/alice.yaml': person('alice'),
    });
    const found = checkReferences({ repo, now: new Date('2026-11-27T10:00:00+08:00'), existingFiles: new Set() }).filter((d) => d.code === 'reference.duplicate-id');
    expect(repo.all('host')).toHaveLength(3);
    expect(found.map((d) => `${d.file}:${d.line} ${d.pointer} ${d.message}`)).toEqual([
      "inventory/hosts/web-01.yml:1 /id host id 'web-01' is already used by inventory/hosts/web-01.yaml",
      "inventory/groups/web.yml:1 /id group id 'web' is already used by inventory/groups/web.yaml",
    ]);
  });
});
