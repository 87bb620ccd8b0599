/**
 * The finding-level list behind the compliance figure: every check that
 * failed (or could not be evaluated on a reachable host) at the period's last
 * run, with what was expected, what was observed, the record line it comes
 * from and its lifecycle; what is new and what was resolved in the period;
 * and, apart, the hosts whose checks could not be evaluated at all (so one
 * unreachable host is one line, not dozens of "regressed" findings).
 *
 * New in the period: failing at the last run and not failing at the baseline
 * (the last run before the period, else the period's first run). Resolved in
 * the period: failing at the baseline and passing at the last run. Pure.
 */
import { byKey, count, type Figure } from '../figure.ts';
import { citeHostLine, type BaselineCheck, type InspectionRun, type ResultChange, type Severity } from '../types.ts';

export interface Finding {
  host: string;
  check: string;
  title: string;
  severity: Severity;
  status: 'fail' | 'error';
  expected: string;
  observed: string;
  reason: string;
  /** The record's own lifecycle label against its previous run. */
  lifecycle: ResultChange | null;
  /** Against the period's baseline. */
  since: 'new' | 'persisting';
  evidence: string[];
}

export interface ResolvedFinding {
  host: string;
  check: string;
  title: string;
  severity: Severity;
  evidence: string[];
}

export interface NotEvaluated {
  host: string;
  reason: string;
  checks: number;
  evidence: string[];
}

export interface FindingsView {
  baseline: { run: string; at: string } | null;
  open: Finding[];
  resolved: ResolvedFinding[];
  not_evaluated: NotEvaluated[];
  figures: Figure[];
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const failing = (s: string) => s === 'fail' || s === 'error';

export function computeFindings(
  latest: InspectionRun,
  baseline: InspectionRun | undefined,
  unreachable: readonly { host: string; reason: string }[],
  checks: readonly BaselineCheck[],
  applies: (host: string, check: string) => boolean = () => true,
): FindingsView {
  const info = new Map(checks.map((c) => [c.id, c] as const));
  const down = new Set(unreachable.map((u) => u.host));
  const key = (host: string, check: string) => `${host}\u0000${check}`;
  const before = new Map<string, string>();
  if (baseline && baseline !== latest) for (const r of baseline.results) before.set(key(r.host, r.check), r.status);
  const firstIsBaseline = baseline === latest;
  const open: Finding[] = latest.results
    .filter((r) => failing(r.status) && !down.has(r.host))
    .map((r) => ({
      host: r.host,
      check: r.check,
      title: info.get(r.check)?.title ?? r.check,
      severity: info.get(r.check)?.severity ?? r.severity,
      status: r.status as 'fail' | 'error',
      expected: r.expected ?? '',
      observed: r.observed ?? '',
      reason: r.reason ?? '',
      lifecycle: r.change ?? null,
      since: firstIsBaseline || failing(before.get(key(r.host, r.check)) ?? '') ? 'persisting' : 'new',
      evidence: [citeHostLine(latest, r.host)],
    }));
  open.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.host < b.host ? -1 : a.host > b.host ? 1 : a.check < b.check ? -1 : 1));
  const now = new Map(latest.results.map((r) => [key(r.host, r.check), r.status] as const));
  const resolved: ResolvedFinding[] = (baseline && baseline !== latest ? baseline.results : [])
    .filter((r) => failing(r.status) && now.get(key(r.host, r.check)) === 'pass')
    .map((r) => ({
      host: r.host,
      check: r.check,
      title: info.get(r.check)?.title ?? r.check,
      severity: info.get(r.check)?.severity ?? r.severity,
      evidence: [citeHostLine(baseline!, r.host), citeHostLine(latest, r.host)],
    }))
    .sort(byKey((r) => `${r.host}|${r.check}`));
  // Checks a host could not be evaluated on: the ones its record marks as error (not-applicable ones are not
  // evaluated anyway); a host the run did not record at all, every check the run evaluated that applies to it.
  const runChecks = [...new Set(latest.results.map((r) => r.check))];
  const notEvaluated = (host: string) => {
    const own = latest.results.filter((r) => r.host === host);
    return own.length === 0 ? runChecks.filter((c) => applies(host, c)).length : own.filter((r) => r.status === 'error').length;
  };
  const not_evaluated: NotEvaluated[] = [...unreachable]
    .sort(byKey((u) => u.host))
    .map((u) => ({ host: u.host, reason: u.reason, checks: notEvaluated(u.host), evidence: latest.host_lines[u.host] ? [citeHostLine(latest, u.host)] : [] }));
  const newOnes = open.filter((f) => f.since === 'new');
  const figures = [
    count(
      'findings.open',
      open.flatMap((f) => f.evidence),
      open.length,
      'formula.findings_open',
    ),
    count(
      'findings.new',
      newOnes.flatMap((f) => f.evidence),
      newOnes.length,
      'formula.findings_new',
    ),
    count(
      'findings.resolved',
      resolved.flatMap((f) => f.evidence),
      resolved.length,
      'formula.findings_resolved',
    ),
    count(
      'findings.hosts_not_evaluated',
      not_evaluated.flatMap((n) => n.evidence),
      not_evaluated.length,
      'formula.findings_not_evaluated',
    ),
  ];
  return { baseline: baseline ? { run: baseline.run, at: baseline.at } : null, open, resolved, not_evaluated, figures };
}
