/**
 * `converge.maintenance_window` of a backup policy: whether converge backup
 * may change a host now. A host that any of its policies holds to windows is
 * converged only inside one of the host's maintenance windows
 * (policies/calendar.yaml), only if the whole run (its timeout) fits before
 * that window closes, and only outside every freeze that blocks a standard
 * change — the rules apply uses for a change's window, asked of the host's own
 * windows. Refused: the reason, and the next window that would do. Pure (the
 * clock is a parameter).
 */
import { DateTime } from 'luxon';
import type { BackupPolicyDocument, CalendarDocument, HostDocument } from '../model/documents.generated.ts';
import { blockingFreezes, containingWindow, windowAppliesTo, windowOccurrences } from '../rules/calendar.ts';
import { policyTargets } from './backup-plan.ts';

/** A converge of backup jobs is routine, pre-approved by the policy's own review: a standard change for freezes. */
export const BACKUP_CONVERGE_CHANGE_TYPE = 'standard' as const;
const YEAR_MS = 366 * 86_400_000;

export type WindowHost = { id: string; data: HostDocument };

export interface NextWindow {
  window: string;
  start: string;
  end: string;
}

export type BackupWindowVerdict =
  { ok: true; window?: string } | { ok: false; code: 'converge.outside-window' | 'converge.freeze' | 'converge.no-window'; reason: string; policies: string[]; next?: NextWindow };

/** The policies that target the host and say converge.maintenance_window. */
export function windowBoundPolicies(host: WindowHost, policies: readonly BackupPolicyDocument[]): string[] {
  return policies
    .filter((p) => p.converge?.maintenance_window === true && policyTargets(p, host))
    .map((p) => p.id)
    .sort();
}

/**
 * May converge backup change `host` at `now`, running at most `spanMs`?
 * Hosts no window-bound policy targets always may. `calendarFile` is the
 * calendar's file as the repository spells it (.yaml or .yml), named in the
 * reason.
 */
export function backupWindowVerdict(o: {
  calendar: CalendarDocument | undefined;
  calendarFile?: string;
  host: WindowHost;
  policies: readonly BackupPolicyDocument[];
  now: Date;
  spanMs: number;
}): BackupWindowVerdict {
  const bound = windowBoundPolicies(o.host, o.policies);
  if (bound.length === 0) return { ok: true };
  const why = `${bound.join(', ')} ${bound.length === 1 ? 'says' : 'say'} converge.maintenance_window`;
  const cal = o.calendar;
  if (!cal || !cal.maintenance_windows.some((w) => windowAppliesTo(w, o.host))) {
    return { ok: false, code: 'converge.no-window', policies: bound, reason: `${why}, and no maintenance window in ${o.calendarFile ?? 'policies/calendar.yaml'} applies to ${o.host.id}` };
  }
  const t = o.now.getTime();
  const until = t + Math.max(0, o.spanMs);
  const seconds = Math.round(o.spanMs / 1000);
  const iso = (ms: number) => DateTime.fromMillis(ms, { zone: cal.timezone }).toISO({ suppressMilliseconds: true })!;
  const next = nextWindow(cal, o.host, t, o.spanMs);
  const refuse = (code: 'converge.outside-window' | 'converge.freeze', reason: string): BackupWindowVerdict => ({
    ok: false,
    code,
    policies: bound,
    reason: `${why}: ${reason}`,
    ...(next ? { next } : {}),
  });
  const hit = containingWindow(cal, o.host, t, until);
  if (!hit) {
    const open = containingWindow(cal, o.host, t, t + 1);
    return refuse(
      'converge.outside-window',
      open ? `window '${open.window.id}' closes at ${iso(open.end)}, before the converge could end (it may run ${seconds} s)` : `no maintenance window of ${o.host.id} is open at ${iso(t)}`,
    );
  }
  const freeze = blockingFreezes(cal, BACKUP_CONVERGE_CHANGE_TYPE, t, until)[0];
  if (freeze) return refuse('converge.freeze', `freeze '${freeze.id}' (${freeze.title}) is in force until ${freeze.end} and does not allow ${BACKUP_CONVERGE_CHANGE_TYPE} changes`);
  return { ok: true, window: hit.window.id };
}

/** The first occurrence of one of the host's windows, after `fromMs`, that holds a whole run and that no freeze blocks at its start. */
export function nextWindow(cal: CalendarDocument, host: WindowHost, fromMs: number, spanMs: number): NextWindow | undefined {
  const iso = (ms: number) => DateTime.fromMillis(ms, { zone: cal.timezone }).toISO({ suppressMilliseconds: true })!;
  const o = cal.maintenance_windows
    .filter((w) => windowAppliesTo(w, host))
    .flatMap((w) => windowOccurrences(w, cal, fromMs, fromMs + YEAR_MS))
    .filter((x) => x.start > fromMs && x.end - x.start >= spanMs && blockingFreezes(cal, BACKUP_CONVERGE_CHANGE_TYPE, x.start, x.start + spanMs).length === 0)
    .sort((a, b) => a.start - b.start)[0];
  return o ? { window: o.window.id, start: iso(o.start), end: iso(o.end) } : undefined;
}

/** One line: the reason and the next window. */
export function describeWindowRefusal(v: Extract<BackupWindowVerdict, { ok: false }>): string {
  return `not converged: ${v.reason}; ${v.next ? `next window: '${v.next.window}' ${v.next.start} – ${v.next.end}` : 'no window opens within a year'}`;
}
