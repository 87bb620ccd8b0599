/**
 * The advisory register (policies/advisories/, 及时更新补丁; 等保 2.0 8.1.10.5):
 * every advisory is due a number of days after it was published that its severity
 * decides, and is remediated by a change that closed successfully or by an
 * exception still in force. A change that installs none of the advisory's
 * packages does not patch it: it mitigates at most (remediation.mitigation),
 * and the patch clock keeps running. Lint names the overdue ones, broken
 * links, and a mitigation filed as the patch. Pure.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import { endOfDay } from './contact-rules.ts';
import { at, type RuleInput } from './rule-context.ts';
import { calendarZone } from '../calendar/zone.ts';

/** Days from `published` to due, per severity (the organisation's patch policy). */
export const PATCH_DUE_DAYS = { critical: 7, high: 30, medium: 90, low: 180 } as const;

const DAY = 86_400_000;

/** The due date (YYYY-MM-DD) of an advisory. Pure. */
export function advisoryDue(published: string, severity: keyof typeof PATCH_DUE_DAYS): string {
  return new Date(Date.parse(`${published}T00:00:00Z`) + PATCH_DUE_DAYS[severity] * DAY).toISOString().slice(0, 10);
}

/**
 * Whether a change installs the fix: one of its run steps names a package of
 * the advisory (`openssh-server`, `openssh-server=1:9.2p1-2+deb12u5`,
 * `openssh-server:amd64`). Rollback steps do not count. Pure.
 */
export function installsFix(steps: readonly { kind?: string; argv?: readonly string[] }[] | undefined, packages: readonly { name: string }[]): boolean {
  const names = new Set(packages.map((p) => p.name));
  return (steps ?? []).some((s) => s.kind === 'run' && (s.argv ?? []).some((a) => names.has(a.split(/[=:]/)[0]!)));
}

export function checkAdvisories({ repo, now }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const zone = calendarZone(repo);
  for (const a of repo.all('advisory')) {
    const d = a.data;
    const due = advisoryDue(d.published, d.severity);
    const change = d.remediation?.change ? repo.get('change', d.remediation.change) : undefined;
    const exception = d.remediation?.exception ? repo.get('exception', d.remediation.exception) : undefined;
    if (d.remediation?.change && !change) out.push(at(a, '/remediation/change', 'reference.unknown-change', `change '${d.remediation.change}' does not exist`, 'name a change under changes/YYYY/'));
    if (d.remediation?.exception && !exception)
      out.push(at(a, '/remediation/exception', 'reference.unknown-exception', `exception '${d.remediation.exception}' does not exist`, 'name an exception under policies/exceptions/'));
    const mitigation = d.remediation?.mitigation ? repo.get('change', d.remediation.mitigation) : undefined;
    if (d.remediation?.mitigation && !mitigation)
      out.push(at(a, '/remediation/mitigation', 'reference.unknown-change', `change '${d.remediation.mitigation}' does not exist`, 'name a change under changes/YYYY/'));
    const installs = change !== undefined && installsFix(change.data.steps, d.packages);
    if (change && !installs)
      out.push(
        at(
          a,
          '/remediation/change',
          'advisory.change-not-a-patch',
          `change ${change.id} installs none of ${d.packages.map((p) => p.name).join(', ')}: it does not patch ${d.references.join(', ')}`,
          'name a workaround under remediation.mitigation (it does not stop the patch clock), or add the step that installs the fixed version',
        ),
      );
    const patched = installs && change?.data.closure?.outcome === 'succeeded';
    const waived = exception !== undefined && Date.parse(exception.data.expires) > now.getTime();
    if (patched || waived || endOfDay(due, zone) >= now.getTime()) continue;
    const mitigated = mitigation?.data.closure?.outcome === 'succeeded' ? `; mitigated by change ${mitigation.id}, not patched` : '';
    const state = change
      ? `change ${change.id} is ${!installs ? 'not a patch' : change.data.closure ? `closed ${change.data.closure.outcome}` : 'not closed'}${mitigated}`
      : mitigation
        ? `change ${mitigation.id} mitigates it, no change patches it`
        : exception
          ? `exception ${exception.id} expired on ${exception.data.expires}`
          : 'no change or exception is linked';
    out.push(
      at(
        a,
        '/published',
        'advisory.overdue',
        `${d.references.join(', ')} (${d.severity}) was due on ${due}, ${PATCH_DUE_DAYS[d.severity]} days after ${d.published}: ${state}`,
        'patch it through a change (remediation.change) and close the change, or accept the risk with an exception (remediation.exception)',
      ),
    );
  }
  return out;
}
