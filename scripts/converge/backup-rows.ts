/**
 * `converge backup --check` findings as inspection rows (scripts/inspect/
 * model.ts InspectionRow): one row per host × policy × aspect, so reports,
 * exceptions and the new/persisting/resolved lifecycle treat them like every
 * other finding. Check ids: `backup.<policy>.<aspect>`; baseline:
 * `backup-policy:<policy>`. Pure.
 */
import type { CheckStatus, InspectionRow, Severity } from '../inspect/model.ts';
import type { PolicyFindings } from './backup-report.ts';

const EVIDENCE =
  "opsgate converge backup --check (files compared with cmp and stat, timers with systemctl is-enabled/is-active, the repository with restic cat config, the last run from /var/lib/opsgate/backup/<policy>.status or the unit's Result)";

interface Aspect {
  key: string;
  title: string;
  severity: Severity;
  expected: string;
  match: ReadonlyArray<PolicyFindings['drift'][number]['aspect']>;
}

const ASPECTS: readonly Aspect[] = [
  {
    key: 'timer',
    title: 'backup job scheduled (systemd timer enabled and active, or cron entry installed)',
    severity: 'high',
    expected: 'every schedule of the policy installed and enabled',
    match: ['timer'],
  },
  { key: 'schedule', title: 'backup schedule as the policy declares', severity: 'medium', expected: 'the policy schedule', match: ['schedule'] },
  { key: 'retention', title: 'backup retention as the policy declares', severity: 'medium', expected: 'restic forget with the policy retention', match: ['retention'] },
  { key: 'paths', title: 'backed-up paths, excludes and tags as the policy declares', severity: 'medium', expected: 'restic backup of the policy paths', match: ['paths'] },
  {
    key: 'repository',
    title: 'backup repository as the policy declares, and it opens',
    severity: 'high',
    expected: 'the policy repository, opening with the runner password',
    match: ['repository', 'password'],
  },
  { key: 'secret-files', title: 'backup environment and password files root-only (0600)', severity: 'high', expected: 'mode 0600, owner root', match: ['mode'] },
  { key: 'job', title: 'backup job as rendered (hooks, limits, no local edits)', severity: 'low', expected: 'the rendered job', match: ['job'] },
];

export function backupRows(host: string, f: PolicyFindings): InspectionRow[] {
  const base = { host, baseline: `backup-policy:${f.policy}`, evidence: EVIDENCE };
  const rows: InspectionRow[] = ASPECTS.map((a) => {
    const hits = f.drift.filter((d) => a.match.includes(d.aspect));
    let status: CheckStatus = hits.length ? 'fail' : 'pass';
    let reason = hits.map((h) => h.what).join('; ');
    if (a.key === 'repository' && f.repo) {
      if (f.repo.state === 'unknown') {
        if (!hits.length) {
          status = 'error';
          reason = f.repo.message;
        }
      } else if (f.repo.state !== 'ok') {
        status = 'fail';
        reason = [reason, `repository ${f.repo.state}: ${f.repo.message}`].filter(Boolean).join('; ');
      }
    }
    return { ...base, check: `backup.${f.policy}.${a.key}`, title: a.title, severity: a.severity, status, expected: a.expected, observed: status === 'pass' ? 'in line' : reason, reason };
  });
  const last = f.lastRun;
  const lastStatus: CheckStatus = !last ? 'info' : last.state === 'failed' || (last.unitResult && last.unitResult !== 'success') ? 'fail' : 'pass';
  rows.push({
    ...base,
    check: `backup.${f.policy}.last-run`,
    title: 'last backup run succeeded',
    severity: 'high',
    status: lastStatus,
    expected: 'the last run succeeded',
    observed: last ? `${last.state} at ${last.time} (${last.kind}, exit ${last.rc})${last.unitResult ? `, unit Result=${last.unitResult}` : ''}` : 'no run recorded yet',
    reason:
      lastStatus === 'fail'
        ? `the last ${last!.kind} run ${last!.state === 'failed' ? `failed (exit ${last!.rc}) at ${last!.time}` : `ended with Result=${last!.unitResult}`}; see /var/lib/opsgate/backup/${f.policy}.log or journalctl -u`
        : lastStatus === 'info'
          ? 'the job has not run since it was installed'
          : '',
  });
  return rows;
}

/** Host-wide: files of policies that no longer apply to the host. */
export function staleRow(host: string, stale: readonly string[]): InspectionRow {
  return {
    host,
    check: 'backup.stale-jobs',
    baseline: 'backup-policy:*',
    title: 'no backup job of a policy that does not apply to the host',
    severity: 'medium',
    status: stale.length ? 'fail' : 'pass',
    expected: 'only the jobs of policies that target the host',
    observed: stale.length ? stale.join(', ') : 'none',
    reason: stale.length ? `left from a policy or schedule that no longer applies: ${stale.join(', ')}` : '',
    evidence: EVIDENCE,
  };
}
