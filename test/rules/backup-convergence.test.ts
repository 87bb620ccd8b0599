/** Lint refuses backup policies restic cannot honour, at the policy's own line. */
import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';

const NOW = new Date('2026-11-30T00:00:00Z');
const policy = (schedule: string) => [
  'id: db', 'title: db', 'targets:', '  hosts: []', 'paths: [/var/backups/db]', 'tool: restic',
  'repository:', '  url: /srv/restic/db', '  password_env: RESTIC_PASSWORD_DB', 'offhost:', '  host: bk', 'encryption: true',
  'schedule:', schedule, 'retention:', '  keep_daily: 7', 'rpo_hours: 24', 'rto_hours: 4', 'verification:', '  restore_test_every_days: 30', '',
].join('\n');
const lint = async (schedule: string) => {
  const repo = await repoFromFiles({ 'policies/backup/db.yaml': policy(schedule) });
  return lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((d) => d.code.startsWith('backup.'));
};

describe('lint: backup policies restic can honour', () => {
  it('a weekly full and a daily incremental on the other days: clean', async () => {
    expect(await lint('  full: "0 2 * * 0"\n  incremental: "0 2 * * 1-6"')).toEqual([]);
  });
  it('incremental and differential together: refused at the differential line, with the reason', async () => {
    const d = await lint('  full: "0 2 * * 0"\n  incremental: "0 2 * * 1-6"\n  differential: "0 3 * * 1-6"');
    expect(d.map((x) => `${x.file}:${x.line} ${x.code} ${x.severity}`)).toEqual(['policies/backup/db.yaml:16 backup.restic-differential error']);
    expect(d[0]!.message).toContain('every restic snapshot stores only new data');
  });
  it('a full and an incremental firing at the same minute: refused', async () => {
    expect((await lint('  full: "0 2 * * 0"\n  incremental: "0 2 * * *"')).map((x) => `${x.line} ${x.code}`)).toEqual(['15 backup.schedule-overlap']);
  });
});
