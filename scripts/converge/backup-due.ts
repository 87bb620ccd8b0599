/**
 * The scheduled converge of backup jobs (`opsgate apply --due`): which hosts
 * are due, from the records alone, without connecting.
 *
 * Per host, the backup state converged last is replayed from
 * records/converge/backup/ (`converge.done` events that succeeded: a run over
 * every policy sets it, a `--policies` run replaces those policies only). A
 * host is due when the state the policies now declare for it (each policy's
 * `state_sha256`, see desiredStateHash) differs: a policy edited, added,
 * retargeted or removed. Like the schedule's changes, it is started once: when
 * the host's last attempt at exactly this state failed, a person decides
 * (`opsgate converge backup` by hand); an unreachable host is tried again.
 * A due host that a window-bound policy targets waits for its window.
 * Pure, apart from readBackupHistory (reads the records).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackupPolicyDocument, CalendarDocument, HostDocument } from '../model/documents.generated.ts';
import { desiredStateHash, planBackupHost } from './backup-plan.ts';
import { backupWindowVerdict, type BackupWindowVerdict } from './backup-window.ts';

/** One host's entry in a converge record: what it was to become and how it ended. */
export interface BackupAttempt {
  run: string;
  host: string;
  outcome: string;
  scope: 'all' | readonly string[];
  /** policy → state_sha256, as recorded. */
  state: Readonly<Record<string, string>>;
}

export interface DueBackup {
  /** Hosts to converge now. */
  due: string[];
  /** Due hosts whose maintenance window is closed: they wait. */
  waiting: Array<{ host: string; verdict: Extract<BackupWindowVerdict, { ok: false }> }>;
  /** Hosts whose last attempt at the declared state failed: not retried by the schedule. */
  personDecides: Array<{ host: string; run: string; outcome: string }>;
  /** Why each due host is due, one line each. */
  why: Record<string, string>;
}

type Host = { id: string; data: HostDocument };

/** The backup state the policies declare for the host: policy → state hash. */
export function declaredState(host: Host, policies: readonly BackupPolicyDocument[], timezone: string): Record<string, string> {
  return Object.fromEntries(planBackupHost(host, policies, timezone, () => 'x').map((p) => [p.policy, desiredStateHash(p)]));
}

/** What each host was last converged to, replaying the attempts in record order. */
export function convergedState(attempts: readonly BackupAttempt[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const a of attempts) {
    if (a.outcome !== 'succeeded') continue;
    const was = out.get(a.host) ?? {};
    const next: Record<string, string> = a.scope === 'all' ? {} : Object.fromEntries(Object.entries(was).filter(([p]) => !a.scope.includes(p)));
    out.set(a.host, { ...next, ...a.state });
  }
  return out;
}

const sameState = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

function describeDue(was: Readonly<Record<string, string>> | undefined, want: Readonly<Record<string, string>>): string {
  if (!was) return `never converged; declared: ${Object.keys(want).sort().join(', ')}`;
  const parts: string[] = [];
  for (const p of Object.keys(want).sort())
    if (!(p in was)) parts.push(`${p} added`);
    else if (was[p] !== want[p]) parts.push(`${p} changed`);
  for (const p of Object.keys(was).sort()) if (!(p in want)) parts.push(`${p} removed`);
  return parts.join(', ');
}

export function selectDueBackup(o: {
  hosts: readonly Host[];
  policies: readonly BackupPolicyDocument[];
  timezone: string;
  calendar: CalendarDocument | undefined;
  /** The calendar's file as the repository spells it, named when a host has no window. */
  calendarFile?: string;
  now: Date;
  spanMs: number;
  attempts: readonly BackupAttempt[];
}): DueBackup {
  const converged = convergedState(o.attempts);
  const out: DueBackup = { due: [], waiting: [], personDecides: [], why: {} };
  for (const h of o.hosts) {
    const want = declaredState(h, o.policies, o.timezone);
    const was = converged.get(h.id);
    // Never converged and nothing declared: nothing to put there (a stray job is --check's to find).
    if (was === undefined ? Object.keys(want).length === 0 : sameState(was, want)) continue;
    const last = [...o.attempts].reverse().find((a) => a.host === h.id && a.outcome !== 'not_started');
    if (last && last.outcome !== 'succeeded' && last.outcome !== 'unreachable' && last.scope === 'all' && sameState(last.state, want)) {
      out.personDecides.push({ host: h.id, run: last.run, outcome: last.outcome });
      continue;
    }
    const v = backupWindowVerdict({ calendar: o.calendar, calendarFile: o.calendarFile, host: h, policies: o.policies, now: o.now, spanMs: o.spanMs });
    if (!v.ok) {
      out.waiting.push({ host: h.id, verdict: v });
      continue;
    }
    out.due.push(h.id);
    out.why[h.id] = describeDue(was, want);
  }
  return out;
}

/** The host attempts in records/converge/backup/, oldest first (run ids sort by time). Edge. */
export async function readBackupHistory(root: string): Promise<BackupAttempt[]> {
  const dir = path.join(root, 'records', 'converge', 'backup');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
  const out: BackupAttempt[] = [];
  for (const f of files) {
    const scopes = new Map<string, 'all' | string[]>();
    for (const line of (await readFile(path.join(dir, f), 'utf8')).split('\n')) {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof e.host !== 'string') continue;
      if (e.type === 'converge.executing') scopes.set(e.host, Array.isArray(e.scope) ? e.scope.filter((x): x is string => typeof x === 'string') : 'all');
      if (e.type !== 'converge.done' || typeof e.outcome !== 'string') continue;
      const policies = Array.isArray(e.policies) ? (e.policies as Array<{ policy?: unknown; state_sha256?: unknown }>) : [];
      const state = Object.fromEntries(policies.flatMap((p) => (typeof p.policy === 'string' && typeof p.state_sha256 === 'string' ? [[p.policy, p.state_sha256]] : [])));
      out.push({ run: f.replace(/\.jsonl$/, ''), host: e.host, outcome: e.outcome, scope: scopes.get(e.host) ?? 'all', state });
    }
  }
  return out;
}
