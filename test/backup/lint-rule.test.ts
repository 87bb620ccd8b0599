import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRestoreTests } from '../../scripts/backup/record.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { checkBackupVerification } from '../../scripts/rules/backup-rules.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';

const policy = `id: web-config
title: web
targets:
  groups: [web]
paths: [/etc/nginx]
tool: restic
repository: {url: "sftp:backup-01:/srv/web", password_env: RESTIC_PASSWORD_WEB}
offhost: {host: backup-01}
encryption: true
schedule: {full: "30 1 * * *"}
retention: {keep_daily: 30}
rpo_hours: 24
rto_hours: 2
verification:
  restore_test_every_days: 30
`;
const host = (id: string) =>
  `id: ${id}\naddress: 10.0.0.1\nuser: opsgate\nhost_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"]\ngroups: [web]\nenv: prod\ncriticality: medium\nowner_team: ops\n`;
const NOW = new Date('2026-11-30T02:00:00Z');

async function withRecords(lines: Array<Record<string, unknown>>) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-backup-lint-'));
  await mkdir(path.join(root, 'records', 'backups'), { recursive: true });
  const w = await RecordWriter.open(path.join(root, 'records', 'backups', '2026-11.jsonl'));
  for (const l of lines) await w.append({ at: '2026-11-01T00:00:00Z', type: 'backup.restore_test', ...l });
  await w.close();
  return root;
}

describe('backup.verification-overdue reads records/backups/, never a date in the policy', () => {
  const repo = () => repoFromFiles({ 'policies/backup/web-config.yaml': policy, 'inventory/hosts/web-01.yaml': host('web-01'), 'inventory/hosts/web-02.yaml': host('web-02') });

  it('names each target host without a passing restore test within the cadence, at the cadence', async () => {
    const root = await withRecords([
      { policy: 'web-config', host: 'web-01', status: 'pass', at: '2026-11-20T02:00:00Z' },
      { policy: 'web-config', host: 'web-02', status: 'pass', at: '2026-10-20T02:00:00Z' },
      { policy: 'web-config', host: 'web-02', status: 'fail', at: '2026-11-25T02:00:00Z' },
    ]);
    try {
      const d = checkBackupVerification({ repo: await repo(), now: NOW, existingFiles: new Set(), backupRestoreTests: await readRestoreTests(root) });
      expect(d.map((x) => [x.code, x.file, x.line, x.pointer])).toEqual([['backup.verification-overdue', 'policies/backup/web-config.yaml', 15, '/verification/restore_test_every_days']]);
      expect(d[0]!.message).toBe('no passing restore test within 30 days in records/backups/ for 1 target host: web-02 (last passed 2026-10-20, records/backups/2026-11.jsonl:2)');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('counts nothing after a broken line, and says so', async () => {
    const root = await withRecords([
      { policy: 'web-config', host: 'web-01', status: 'pass', at: '2026-11-20T02:00:00Z' },
      { policy: 'web-config', host: 'web-02', status: 'pass', at: '2026-11-21T02:00:00Z' },
    ]);
    try {
      const file = path.join(root, 'records', 'backups', '2026-11.jsonl');
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('"host":"web-01","status":"pass"', '"host":"web-01","status":"pass "'));
      const d = checkBackupVerification({ repo: await repo(), now: NOW, existingFiles: new Set(), backupRestoreTests: await readRestoreTests(root) });
      expect(d.map((x) => x.code)).toEqual(['backup.verification-overdue', 'backup.records-broken']);
      expect(d[0]!.message).toMatch(/2 target hosts: web-01 \(none recorded\), web-02 \(none recorded\)$/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a hand-typed last_restore_test is a schema error, not evidence', async () => {
    const r = await repoFromFiles({ 'policies/backup/web-config.yaml': policy.replace('  restore_test_every_days: 30\n', '  restore_test_every_days: 30\n  last_restore_test: 2026-11-20\n') });
    expect(r.diagnostics.map((d) => [d.code, d.pointer])).toEqual([['schema.unknown-property', '/verification/last_restore_test']]);
  });
});
