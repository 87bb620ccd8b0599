/**
 * Backup verification evidence for the sample: opsgate has no backup command
 * yet (inspection reads snapshot freshness; the report reads records/backups/),
 * so this writes what such a job would record, from real restic runs against
 * the fleet's repositories: every snapshot listed by `restic snapshots --json`,
 * `restic check`, and a restore test (`restic restore latest` compared with
 * the backed-up files). Hash-chained through the records writer; each line
 * names the command it came from. Edge: runs restic.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RecordWriter } from '../records/writer.ts';
import type { RunningFleet } from '../../test/fleet/fleet.ts';

const run = promisify(execFile);
export const BACKUP_RECORD_SOURCE = 'scripts/demo/regenerate-sample-records.ts (restic, until opsgate has a backup command)';

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

/** Appends the verification of every fleet repository to records/backups/<YYYY-MM>.jsonl under `root`. */
export async function recordBackupVerification(root: string, fleet: RunningFleet, at: Date, restoreTestHosts: readonly string[]): Promise<{ snapshots: number; checks: number; restores: number }> {
  const password = Object.values(fleet.env)[0]!;
  const file = path.join(root, 'records', 'backups', `${at.toISOString().slice(0, 7)}.jsonl`);
  const w = await RecordWriter.open(file);
  const tally = { snapshots: 0, checks: 0, restores: 0 };
  const iso = () => at.toISOString();
  try {
    for (const h of [...fleet.hosts].sort((a, b) => a.id.localeCompare(b.id))) {
      const repo = h.backup_repositories?.[0];
      if (!repo) continue;
      const env = { ...process.env, RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: path.join(fleet.dir, h.id, '.restic-cache') };
      const base = { policy: repo.policy, host: h.id, repository: `fleet:${h.id}/restic-repo`, recorded_by: BACKUP_RECORD_SOURCE };
      const { stdout } = await run('restic', ['snapshots', '--json', '--repo', repo.repository, '--host', h.id], { env, maxBuffer: 16 * 1024 * 1024 });
      const snaps = (JSON.parse(stdout) as Array<{ short_id: string; time: string }>).sort((a, b) => a.time.localeCompare(b.time));
      for (const s of snaps) {
        await w.append({ at: iso(), type: 'backup.snapshot', ...base, snapshot_id: s.short_id, snapshot_time: new Date(s.time).toISOString(), status: 'pass', evidence: 'restic snapshots --json' });
        tally.snapshots++;
      }
      const check = await run('restic', ['check', '--repo', repo.repository], { env }).then(() => 'pass', () => 'fail');
      await w.append({ at: iso(), type: 'backup.check', ...base, status: check, evidence: 'restic check' });
      tally.checks++;
      if (!restoreTestHosts.includes(h.id) || snaps.length === 0) continue;
      const target = await mkdtemp(path.join(os.tmpdir(), 'opsgate-restore-'));
      try {
        const latest = snaps[snaps.length - 1]!;
        const started = process.hrtime.bigint();
        const ok = await run('restic', ['restore', latest.short_id, '--repo', repo.repository, '--target', target], { env }).then(() => true, () => false);
        const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
        const source = path.join(fleet.dir, h.id, 'etc');
        const restored = ok ? await countFiles(path.join(target, source)).catch(() => 0) : 0;
        const expected = await countFiles(source);
        await w.append({ at: iso(), type: 'backup.restore_test', ...base, snapshot_id: latest.short_id, files_restored: restored, files_expected: expected, duration_ms: durationMs, status: ok && restored === expected ? 'pass' : 'fail', evidence: 'restic restore latest --target TMP; file count compared with the source' });
        tally.restores++;
      } finally {
        await rm(target, { recursive: true, force: true });
      }
    }
  } finally {
    await w.close();
  }
  return tally;
}
