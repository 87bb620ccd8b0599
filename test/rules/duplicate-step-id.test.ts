import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { calendar, change, group, host, person } from './fixture-docs.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');

/** A change whose steps have these ids (its verification `active` and rollback `back` follow them). */
async function duplicates(ids: readonly string[]) {
  const steps = ids.map((id) => `  - { id: ${id}, kind: run, argv: [systemctl, restart, nginx] }`).join('\n');
  const text = change().replace('  - { id: restart, kind: run, argv: [systemctl, restart, nginx] }', steps);
  const repo = await repoFromFiles({
    'inventory/groups/web.yaml': group('web'),
    'inventory/hosts/web-01.yaml': host('web-01'),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'policies/calendar.yaml': calendar,
    'changes/2026/CHG-2026-0001.yaml': text,
  });
  return lintRepo({ repo, now: NOW, existingFiles: new Set() })
    .filter((d) => d.code === 'change.duplicate-step-id')
    .map((d) => d.pointer);
}

describe('change.duplicate-step-id', () => {
  const many = Array.from({ length: 60 }, (_, i) => `s${i}`);

  it('reports each repeated id where it repeats, in a short list of steps', async () => {
    expect(await duplicates(['a', 'b', 'a', 'c', 'b'])).toEqual(['/steps/2/id', '/steps/4/id']);
    expect(await duplicates(['a', 'active'])).toEqual(['/verification/0/id']);
    expect(await duplicates(['a', 'back', 'a'])).toEqual(['/steps/2/id', '/rollback/0/id']);
  });

  it('reports the same in a long list, before and after the ids seen pass a few dozen', async () => {
    expect(await duplicates([...many, 's0', 's59', 'active'])).toEqual(['/steps/60/id', '/steps/61/id', '/verification/0/id']);
    expect(await duplicates(['s5', ...many])).toEqual(['/steps/6/id']);
    expect(await duplicates([...many.slice(0, 31), 's3', 's31', 's31', 's40'])).toEqual(['/steps/31/id', '/steps/33/id']);
  });
});
