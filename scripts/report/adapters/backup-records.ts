/**
 * Adapter for records/backups/…: snapshots, `restic check` results and
 * restore tests per policy and host. The only file that knows that layout.
 * Pure.
 */
import type { CheckResult } from '../../model/outcome.ts';
import type { BackupEvent } from '../types.ts';
import { lineRefOf } from './inspection-records.ts';

type Line = Record<string, unknown>;

function durationSeconds(l: Line): number | undefined {
  if (typeof l.duration_ms === 'number' && Number.isFinite(l.duration_ms)) return l.duration_ms / 1000;
  if (typeof l.duration_seconds === 'number' && Number.isFinite(l.duration_seconds)) return l.duration_seconds;
  return undefined;
}

export function adaptBackupRecord(path: string, lines: readonly Line[]): BackupEvent[] {
  const out: BackupEvent[] = [];
  lines.forEach((l, i) => {
    const type = String(l.type);
    if (typeof l.policy !== 'string') return;
    // opsgate backup verify lists a host's snapshots in one line (scripts/backup/record.ts): one snapshot event each.
    if (type === 'backup.snapshots') {
      if (Array.isArray(l.snapshots))
        for (const s of l.snapshots as Array<{ time?: unknown }>)
          if (typeof s?.time === 'string')
            out.push({ path, line: lineRefOf(l, i), at: s.time, policy: l.policy, host: typeof l.host === 'string' ? l.host : undefined, kind: 'snapshot', ok: true, duration_seconds: undefined });
      return;
    }
    if (type === 'backup.retention') {
      const missing = Array.isArray(l.missing) ? (l.missing as Array<{ missing?: unknown }>).reduce((n, m) => n + (Array.isArray(m?.missing) ? m.missing.length : 0), 0) : 0;
      out.push({
        path,
        line: lineRefOf(l, i),
        at: String(l.at),
        policy: l.policy,
        host: typeof l.host === 'string' ? l.host : undefined,
        kind: 'retention',
        ok: l.status === 'pass',
        duration_seconds: undefined,
        detail: {
          status: String(l.status),
          reason: typeof l.reason === 'string' ? l.reason : '',
          kept: typeof l.kept === 'number' ? l.kept : 0,
          would_remove: Array.isArray(l.would_remove) ? l.would_remove.length : 0,
          missing,
        },
      });
      return;
    }
    const kind: BackupEvent['kind'] | undefined = /restore/.test(type) ? 'restore_test' : /snapshot|backup\.run/.test(type) ? 'snapshot' : /check|verify/.test(type) ? 'check' : undefined;
    if (!kind) return;
    // backup verify writes `status` in the check-result words (model/outcome.ts); nothing else counts as a pass.
    const status = l.status ?? (l.ok === false ? 'fail' : 'pass');
    out.push({
      path,
      line: lineRefOf(l, i),
      at: typeof l.snapshot_time === 'string' && kind === 'snapshot' ? l.snapshot_time : String(l.at),
      policy: l.policy,
      host: typeof l.host === 'string' ? l.host : undefined,
      kind,
      ok: status === ('pass' satisfies CheckResult) && l.ok !== false,
      duration_seconds: kind === 'restore_test' ? durationSeconds(l) : undefined,
      ...(type === 'backup.check'
        ? {
            detail: {
              status: String(status),
              reason: typeof l.reason === 'string' ? l.reason : '',
              errors: Array.isArray(l.errors) ? l.errors.map(String) : [],
              read_data_subset: typeof l.read_data_subset === 'string' ? l.read_data_subset : null,
            },
          }
        : {}),
      ...(type === 'backup.restore_test'
        ? {
            detail: {
              status: String(status),
              reason: typeof l.reason === 'string' ? l.reason : '',
              ...(typeof l.rto_hours === 'number' ? { rto_hours: l.rto_hours } : {}),
              rto_met: typeof l.rto_met === 'boolean' ? l.rto_met : null,
            },
          }
        : {}),
    });
  });
  return out;
}
