/** Lint refuses backup policies restic cannot honour, at the policy's own line. */
import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';

const NOW = new Date('2026-11-30T00:00:00Z');
const policy = (schedule: string) =>
  [
    'id: db',
    'title: db',
    'targets:',
    '  hosts: []',
    'paths: [/var/backups/db]',
    'tool: restic',
    'repository:',
    '  url: /srv/restic/db',
    '  password_env: RESTIC_PASSWORD_DB',
    'offhost:',
    '  host: bk',
    'encryption: true',
    'schedule:',
    schedule,
    'retention:',
    '  keep_daily: 7',
    'rpo_hours: 24',
    'rto_hours: 4',
    'verification:',
    '  restore_test_every_days: 30',
    '',
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
  it('full.read_data_subset: refused at its own line, the hint says where the one value lives', async () => {
    const repo = await repoFromFiles({ 'policies/backup/db.yaml': policy('  full: "0 2 * * 0"') + 'full:\n  read_data_subset: 10%\n' });
    const d = lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((x) => x.code.startsWith('backup.'));
    expect(d.map((x) => `${x.file}:${x.line} ${x.code} ${x.severity}`)).toEqual(['policies/backup/db.yaml:22 backup.read-data-subset-moved error']);
    expect(d[0]!.hint).toContain("verification: { read_data_subset: '10%' }");
  });
  it('verification.read_data_subset alone: clean (one meaning, two readers)', async () => {
    const repo = await repoFromFiles({ 'policies/backup/db.yaml': policy('  full: "0 2 * * 0"').replace('  restore_test_every_days: 30', '  restore_test_every_days: 30\n  read_data_subset: 10%') });
    expect(lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((x) => x.code.startsWith('backup.') || x.code.startsWith('schema'))).toEqual([]);
  });
});
