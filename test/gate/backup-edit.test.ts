/**
 * A pull request that edits a backup policy: the gate's plan section names the
 * hosts whose backup jobs change, and retention that shrinks is called out.
 * Real Octokit against the local GitHub server.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderMarkdown } from '../../scripts/gate/render.ts';
import { gate, user, useHarness } from './helpers.ts';

const policy = (fields: Record<string, unknown> = {}) =>
  stringify({
    id: 'db-mysql',
    title: 'db',
    targets: { groups: ['db'] },
    paths: ['/var/backups/mysql'],
    tool: 'restic',
    repository: { url: 'sftp:backup-01:/srv/restic/db', password_env: 'RESTIC_PASSWORD_DB' },
    offhost: { host: 'backup-01' },
    encryption: true,
    schedule: { full: '0 2 * * 0', incremental: '0 2 * * 1-6' },
    retention: { keep_daily: 14, keep_weekly: 8, keep_monthly: 12 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
    ...fields,
  });
const FILE = 'policies/backup/db-mysql.yaml';

const h = useHarness();

/** A base that already holds the policy, and a PR by li-na that writes `text` over it. */
function prOver(number: number, text: string | null) {
  const who = user('zhang-wei');
  const base = h.repo.commit({ parent: h.base, files: { [FILE]: policy() }, author: who, committer: who, message: 'policy' });
  const c = h.repo.commit({ parent: base, files: { [FILE]: text }, author: user('li-na'), committer: user('li-na'), message: `PR ${number}` });
  h.repo.openPull({ number, author: user('li-na'), baseSha: base, commits: [c] });
}

describe('gate: backup policy edits in the plan section', () => {
  it('shrinking retention is called out with the hosts whose next prune deletes snapshots', async () => {
    prOver(1, policy({ retention: { keep_daily: 7, keep_weekly: 8 } }));
    const r = await gate(h, 1);
    expect(r.backup_plans).toEqual([
      {
        policy: 'db-mysql',
        file: FILE,
        status: 'modified',
        hosts: [
          { host: 'db-01', changes: ['retention'] },
          { host: 'db-02', changes: ['retention'] },
        ],
        retention_shrinks: [
          { keep: 'keep_daily', from: 14, to: 7 },
          { keep: 'keep_monthly', from: 12, to: 0 },
        ],
      },
    ]);
    const md = renderMarkdown(r);
    expect(md).toContain('### Backup policies in this pull request');
    expect(md).toContain('⚠️ **retention shrinks**: keep\\_daily 14 → 7, keep\\_monthly 12 → 0');
  });
  it('a schedule change lists the hosts whose timers change; no shrink', async () => {
    prOver(2, policy({ schedule: { full: '0 3 * * 0', incremental: '0 3 * * 1-6' } }));
    const r = await gate(h, 2);
    expect(r.backup_plans![0]!.hosts.map((x) => `${x.host}: ${x.changes.join(',')}`)).toEqual(['db-01: timers', 'db-02: timers']);
    expect(r.backup_plans![0]!.retention_shrinks).toEqual([]);
    expect(renderMarkdown(r)).not.toContain('retention shrinks');
  });
  it('removing the policy removes the jobs; a pull request without policy edits has no section', async () => {
    prOver(3, null);
    expect((await gate(h, 3)).backup_plans![0]!.hosts.map((x) => x.changes[0])).toEqual(['job removed', 'job removed']);
    const c = h.repo.commit({ parent: h.base, files: { 'runbooks/x.md': '# x\n' }, author: user('li-na'), committer: user('li-na'), message: 'PR 4' });
    h.repo.openPull({ number: 4, author: user('li-na'), baseSha: h.base, commits: [c] });
    const r = await gate(h, 4);
    expect(r.backup_plans).toBeUndefined();
    expect(renderMarkdown(r)).not.toContain('Backup policies');
  });
});
