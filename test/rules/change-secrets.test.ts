import { describe, expect, it } from 'vitest';
import { secretsOfChange } from '../../scripts/rules/secret-policy.ts';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { change, host, person } from './fixture-docs.ts';

const NOW = new Date('2026-11-27T03:00:00Z');

describe('secrets a change names', () => {
  const text = change({ id: 'CHG-2026-0001' })
    .replace(
      'steps:\n  - { id: restart, kind: run, argv: [systemctl, restart, nginx] }',
      'steps:\n  - { id: restart, kind: run, argv: [systemctl, restart, nginx] }\n  - { id: push, kind: run, argv: [deploy], env: { PLAIN: x, TOKEN: "${{ secrets.DEPLOY_TOKEN }}" } }\n  - { id: quiet, kind: run, argv: [echo], env: {} }',
    )
    .replace('rollback:\n  - { id: back,', 'rollback:\n  - { id: undo, kind: run, argv: [undo], env: { KEY: "${{ secrets.UNDO_KEY }}" } }\n  - { id: back,');

  it('are every secret reference of the steps and rollback, at its own env value, in order', async () => {
    const repo = await repoFromFiles({ 'changes/2026/CHG-2026-0001.yaml': text, 'inventory/hosts/web-01.yaml': host('web-01'), 'policies/access/people/alice.yaml': person('alice') });
    const c = repo.all('change')[0]!;
    expect(secretsOfChange(c.data)).toEqual([
      { name: 'DEPLOY_TOKEN', pointer: '/steps/1/env/TOKEN' },
      { name: 'UNDO_KEY', pointer: '/rollback/0/env/KEY' },
    ]);
    const found = lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((d) => d.code === 'change.secret-not-allowed');
    expect(found.map((d) => d.pointer)).toEqual(['/steps/1/env/TOKEN', '/rollback/0/env/KEY']);
  });
});
