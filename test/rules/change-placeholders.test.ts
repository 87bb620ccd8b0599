import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { calendar, change, host, person } from './fixture-docs.ts';

// change.placeholder first asks whether any string value holds "TODO" at all (most changes: no),
// then walks for pointers: these are the cases the walk alone decided before that test existed.
const NOW = new Date('2026-11-27T10:00:00+08:00');

async function placeholders(text: string) {
  const repo = await repoFromFiles({
    'inventory/hosts/web-01.yaml': host('web-01'),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'policies/calendar.yaml': calendar,
    'changes/2026/CHG-2026-0001.yaml': text,
  });
  expect(repo.all('change')).toHaveLength(1);
  return lintRepo({ repo, now: NOW, existingFiles: new Set() })
    .filter((d) => d.code === 'change.placeholder')
    .map((d) => d.pointer);
}

describe('change.placeholder', () => {
  it('finds the placeholder deep in lists and mappings, once per value', async () => {
    const step = (s: string) => change().replace('argv: [systemctl, restart, nginx] }', s);
    expect(await placeholders(step('argv: [systemctl, TODO, nginx], env: { A: "x TODO y" } }'))).toEqual(['/steps/0/argv/1', '/steps/0/env/A']);
    expect(await placeholders(step('argv: [systemctl, TODO, nginx] }'))).toEqual(['/steps/0/argv/1']);
    expect(await placeholders(step('argv: [systemctl, restart, nginx], env: { A: "x TODO y" } }'))).toEqual(['/steps/0/env/A']);
  });

  it('ignores TODO inside a word, in a key, and in a clean change', async () => {
    expect(await placeholders(change())).toEqual([]);
    expect(await placeholders(change().replace('purpose: restart nginx', 'purpose: TODOS restart nginx'))).toEqual([]);
    expect(await placeholders(change().replace('argv: [systemctl, restart, nginx] }', 'argv: [systemctl, restart, nginx], env: { TODO: x } }'))).toEqual([]);
  });
});
