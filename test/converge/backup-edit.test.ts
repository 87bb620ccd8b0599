/** The gate's plan section for a backup policy edit: which hosts change, and retention that shrinks. */
import { describe, expect, it } from 'vitest';
import type { BackupPolicyDocument } from '../../scripts/model/documents.generated.ts';
import { planBackupEdit, renderBackupEditMarkdown } from '../../scripts/converge/backup-edit.ts';

const base = {
  id: 'db',
  title: 'db',
  targets: { groups: ['db'] },
  paths: ['/var/backups/db'],
  tool: 'restic',
  repository: { url: '/srv/restic/db', password_env: 'P' },
  offhost: { host: 'bk' },
  encryption: true,
  schedule: { full: '0 2 * * 0', incremental: '0 2 * * 1-6' },
  retention: { keep_daily: 14, keep_weekly: 8 },
  rpo_hours: 24,
  rto_hours: 4,
  verification: { restore_test_every_days: 30 },
} as BackupPolicyDocument;
const hosts = [
  { id: 'db-2', data: { groups: ['db'] } },
  { id: 'db-1', data: { groups: ['db'] } },
  { id: 'web-1', data: { groups: ['web'] } },
];
const edit = (head: Partial<BackupPolicyDocument> | undefined, b: BackupPolicyDocument | null = base) =>
  planBackupEdit({ file: 'policies/backup/db.yaml', ...(b ? { base: b } : {}), ...(head ? { head: { ...base, ...head } as BackupPolicyDocument } : {}), hosts });

describe('planBackupEdit', () => {
  it('retention that shrinks is named per keep, on every host of the policy', () => {
    const v = edit({ retention: { keep_daily: 7, keep_weekly: 8, keep_monthly: 3 } });
    expect(v.retention_shrinks).toEqual([{ keep: 'keep_daily', from: 14, to: 7 }]);
    expect(v.hosts).toEqual([
      { host: 'db-1', changes: ['retention'] },
      { host: 'db-2', changes: ['retention'] },
    ]);
    const md = renderBackupEditMarkdown(v, (s) => s).join('\n');
    expect(md).toContain('⚠️ **retention shrinks**: keep_daily 14 → 7');
    expect(md).toContain('db-1, db-2 deletes the snapshots no longer kept');
  });
  it('growing retention is a change, not a shrink', () => {
    expect(edit({ retention: { keep_daily: 30, keep_weekly: 8 } }).retention_shrinks).toEqual([]);
  });
  it('a schedule change moves the timers; the old and new schedule are shown', () => {
    const v = edit({ schedule: { full: '0 3 * * 0', incremental: '0 3 * * 1-6' } });
    expect(v.hosts.map((h) => h.changes)).toEqual([['timers'], ['timers']]);
    expect(renderBackupEditMarkdown(v, (s) => s).join('\n')).toContain('full "0 2 * * 0", incremental "0 2 * * 1-6" → full "0 3 * * 0", incremental "0 3 * * 1-6"');
  });
  it('retargeting installs and removes jobs', () => {
    const v = edit({ targets: { hosts: ['db-1', 'web-1'] } });
    expect(v.hosts).toEqual([
      { host: 'db-2', changes: ['job removed'] },
      { host: 'web-1', changes: ['job installed'] },
    ]);
  });
  it('a new policy installs, a removed one removes, an unchanged one changes nothing', () => {
    expect(edit({}, null).hosts.map((h) => `${h.host} ${h.changes}`)).toEqual(['db-1 job installed', 'db-2 job installed']);
    expect(edit(undefined).status).toBe('removed');
    expect(edit(undefined).hosts.map((h) => h.changes[0])).toEqual(['job removed', 'job removed']);
    expect(edit({ title: 'renamed' }).hosts).toEqual([]);
  });
});
