/**
 * Adapter for records/backups/…: snapshots and restore tests per policy and
 * host. The only file that knows that layout. Pure.
 */
import type { BackupEvent } from '../types.ts';

type Line = Record<string, unknown>;

export function adaptBackupRecord(path: string, lines: readonly Line[]): BackupEvent[] {
  const out: BackupEvent[] = [];
  for (const l of lines) {
    const type = String(l.type);
    if (typeof l.policy !== 'string') continue;
    const kind: BackupEvent['kind'] | undefined = /restore/.test(type) ? 'restore_test' : /snapshot|backup/.test(type) ? 'snapshot' : /check|verify/.test(type) ? 'check' : undefined;
    if (!kind) continue;
    const status = String(l.status ?? l.result ?? l.outcome ?? (l.ok === false ? 'fail' : 'pass'));
    out.push({
      path,
      at: typeof l.snapshot_time === 'string' ? l.snapshot_time : String(l.at),
      policy: l.policy,
      host: typeof l.host === 'string' ? l.host : undefined,
      kind,
      ok: ['pass', 'ok', 'success', 'successful', 'succeeded'].includes(status) && l.ok !== false,
    });
  }
  return out;
}
