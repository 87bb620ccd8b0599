import { byInstant, byKey, count, percent, type Figure } from '../figure.ts';
import { DAY, ms, type Period } from '../period.ts';
import { citeHostLine, citeLine, type InspectionResult, type InspectionRun, type ReportInput, type Severity } from '../types.ts';
import { computeFindings, type FindingsView } from './findings.ts';
import { computeFramework, type FrameworkView } from './frameworks.ts';
import { compareWithSchedule, periodRuns, type ScheduleView } from './inspection-runs.ts';
import { appendAll } from '../../model/append.ts';
import { inScope } from '../../inspect/model.ts';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const COMPLIANCE = 'formula.compliance';

export interface ComplianceRow {
  key: string;
  figure: Figure;
}

export interface ExceptionRow {
  id: string;
  rule: string;
  owner: string;
  approver: string;
  expires: string;
  state: 'active' | 'expiring' | 'expired';
  path: string;
}

export interface InspectionSection {
  /** The run the current state is taken from (the last run of the period). */
  run: { path: string; run: string; at: string } | null;
  figures: Figure[];
  schedule: ScheduleView;
  by_env: ComplianceRow[];
  by_group: ComplianceRow[];
  by_host: ComplianceRow[];
  top_failing: { check: string; title: string; severity: Severity; figure: Figure }[];
  unreachable: { host: string; reason: string }[];
  findings: FindingsView;
  exceptions: ExceptionRow[];
  frameworks: { djbh: FrameworkView; iso27001: FrameworkView };
}

function compliance(id: string, results: readonly InspectionResult[], evidence: readonly string[]): Figure {
  let pass = 0,
    total = 0;
  for (const r of results)
    if (r.status === 'pass' || r.status === 'fail' || r.status === 'error') {
      total++;
      if (r.status === 'pass') pass++;
    }
  return percent(id, pass, total, evidence, COMPLIANCE);
}

/**
 * The results of a run as the report counts them: hosts the run could not
 * reach, and inventory hosts it did not cover, count as `error` for every
 * check the run evaluated. Pure.
 */
export function effectiveResults(
  run: InspectionRun,
  inventoryHosts: readonly string[],
  checkIds: readonly string[],
  applies: (host: string, check: string) => boolean = () => true,
): { results: InspectionResult[]; unreachable: { host: string; reason: string }[] } {
  const checks = [...new Set([...run.results.map((r) => r.check), ...checkIds])].sort();
  const results = [...run.results];
  const unreachable = [...run.unreachable];
  const covered = new Set(run.results.map((r) => r.host));
  const listed = new Set(unreachable.map((u) => u.host));
  for (const h of inventoryHosts) if (!covered.has(h) && !listed.has(h)) unreachable.push({ host: h, reason: 'not_inspected' });
  for (const u of unreachable) {
    if (covered.has(u.host)) continue;
    // Only the checks whose applies_to includes the host: one that could never run there is no error of it.
    for (const check of checks.filter((c) => applies(u.host, c)))
      results.push({ host: u.host, check, status: 'error', severity: 'info', change: undefined, exception: undefined, exception_expired: false, reason: u.reason });
  }
  unreachable.sort(byKey((u) => u.host));
  return { results, unreachable };
}

/**
 * The current state at the end of a period: each host from the last run that covered it, so a
 * run scoped with --hosts/--groups replaces only its hosts and the shards of one run id add up
 * to the whole fleet (the same comparison point `opsgate inspect` uses). Pure.
 */
export function currentState(runs: readonly InspectionRun[], inventory?: ReadonlySet<string>): InspectionRun | undefined {
  const sorted = [...runs].sort(
    byInstant(
      (r) => r.at,
      (r) => `${r.path}|${r.run}`,
    ),
  );
  const latest = sorted[sorted.length - 1];
  if (!latest) return undefined;
  const from = new Map<string, InspectionRun>();
  // A host the inventory does not know is not counted (completeness.ts flags it: gap.unknown_host).
  for (const r of sorted) for (const h of r.hosts) if (!inventory || inventory.has(h)) from.set(h, r);
  const merged: InspectionRun = { ...latest, results: [], unreachable: [], hosts: [...from.keys()].sort(), host_lines: {}, keys: {} };
  for (const [h, r] of from) {
    appendAll(
      merged.results,
      r.results.filter((x) => x.host === h),
    );
    appendAll(
      merged.unreachable,
      r.unreachable.filter((u) => u.host === h),
    );
    if (r.host_lines[h]) merged.host_lines[h] = r.host_lines[h]!;
    if (r.keys[h]) merged.keys[h] = r.keys[h]!;
  }
  return merged;
}

const noFindings = (figures: Figure[] = []): FindingsView => ({ baseline: null, open: [], resolved: [], not_evaluated: [], figures });

/** Baselines, inspection results, findings and exceptions for one period. Pure. */
export function computeInspection(input: ReportInput, period: Period, now: number, options: { light?: boolean } = {}): InspectionSection {
  const { runs, baseline } = periodRuns(input.inspections, period);
  // Shards are merged into one run per id (periodRuns); scoped runs add up host by host.
  const latest = currentState(runs, new Set(input.hosts.map((h) => h.id)));
  const schedule = compareWithSchedule(runs, period, now, input.organisation?.data.inspection_every_hours);
  const hostDocs = new Map(input.hosts.map((h) => [h.id, h] as const));
  const checkInfo = new Map(input.checks.map((c) => [c.id, c] as const));
  const exceptions = computeExceptions(input, now);
  const runCites = runs.map((r) => citeLine(r.path, r.completed));
  const figures: Figure[] = [count('inspection.runs', runCites, runs.length, 'formula.inspection_runs')];
  if (schedule.expected !== null) {
    figures.push(count('inspection.runs_expected', input.organisation ? [input.organisation.file] : [], schedule.expected, 'formula.runs_expected'));
    figures.push(count('inspection.runs_missed', [...runCites, ...(input.organisation ? [input.organisation.file] : [])], schedule.missed ?? 0, 'formula.runs_missed'));
  }
  const exceptionFigures = [
    count(
      'exceptions.active',
      exceptions.filter((e) => e.state !== 'expired').map((e) => e.path),
      undefined,
      'formula.exceptions_active',
    ),
    count(
      'exceptions.expiring_30d',
      exceptions.filter((e) => e.state === 'expiring').map((e) => e.path),
      undefined,
      'formula.exceptions_expiring',
    ),
    count(
      'exceptions.expired',
      exceptions.filter((e) => e.state === 'expired').map((e) => e.path),
      undefined,
      'formula.exceptions_expired',
    ),
  ];
  const frameworkEvidence = (ids: string[]) => [...new Set(ids.map((id) => checkInfo.get(id)?.file).filter((f): f is string => !!f))];
  if (!latest) {
    figures.push(
      percent('inspection.compliance', 0, 0, [], COMPLIANCE),
      count(
        'inspection.hosts_in_scope',
        input.hosts.map((h) => h.file),
        undefined,
        'formula.hosts_in_scope',
      ),
    );
    const frameworks = { djbh: computeFramework('djbh', input.checks, null, frameworkEvidence), iso27001: computeFramework('iso27001', input.checks, null, frameworkEvidence) };
    return { run: null, figures: [...figures, ...exceptionFigures], schedule, by_env: [], by_group: [], by_host: [], top_failing: [], unreachable: [], findings: noFindings(), exceptions, frameworks };
  }
  const applies = appliesTo(input);
  const { results, unreachable } = effectiveResults(
    latest,
    input.hosts.map((h) => h.id),
    [],
    applies,
  );
  const lines = (hosts: Iterable<string>) => [...new Set(hosts)].map((h) => (latest.host_lines[h] ? citeHostLine(latest, h) : hostDocs.get(h)?.file)).filter((x): x is string => !!x);
  const base = (hosts: Iterable<string>) => {
    const hs = [...new Set(hosts)];
    return [citeLine(latest.path, latest.completed), ...lines(hs), ...hs.map((h) => hostDocs.get(h)?.file).filter((f): f is string => !!f)];
  };
  figures.push(compliance('inspection.compliance', results, base(results.map((r) => r.host))));
  if (options.light) {
    const none = { rows: [], uncovered: [] };
    return {
      run: { path: latest.path, run: latest.run, at: latest.at },
      figures,
      schedule,
      by_env: [],
      by_group: [],
      by_host: [],
      top_failing: [],
      unreachable,
      findings: noFindings(),
      exceptions,
      frameworks: { djbh: none, iso27001: none },
    };
  }
  figures.push(
    count(
      'inspection.hosts_in_scope',
      input.hosts.map((h) => h.file),
      undefined,
      'formula.hosts_in_scope',
    ),
  );
  const inspected = [...new Set(latest.results.map((r) => r.host))].filter((h) => !unreachable.some((u) => u.host === h));
  figures.push(count('inspection.hosts_inspected', base(inspected), inspected.length, 'formula.hosts_inspected'));
  figures.push(count('inspection.hosts_unreachable', base(unreachable.map((u) => u.host)), unreachable.length, 'formula.unreachable'));
  for (const s of SEVERITIES) {
    const fails = results.filter((r) => r.status === 'fail' && (checkInfo.get(r.check)?.severity ?? r.severity) === s);
    figures.push(count(`inspection.fail.${s}`, fails.length ? base(fails.map((r) => r.host)) : [citeLine(latest.path, latest.completed)], fails.length, 'formula.fail_by_severity'));
  }
  const waived = results.filter((r) => r.status === 'waived');
  figures.push(count('inspection.waived', [...lines(waived.map((r) => r.host)), ...waived.flatMap((r) => exceptionPaths(input, r.exception))], waived.length, 'formula.waived'));
  appendAll(figures, exceptionFigures);

  const groupBy = (key: (r: InspectionResult) => string[], prefix: string): ComplianceRow[] => {
    const buckets = new Map<string, InspectionResult[]>();
    for (const r of results) for (const k of key(r)) (buckets.get(k) ?? buckets.set(k, []).get(k)!).push(r);
    return [...buckets.keys()].sort().map((k) => ({ key: k, figure: compliance(`${prefix}.${k}`, buckets.get(k)!, base(buckets.get(k)!.map((r) => r.host))) }));
  };
  const by_env = groupBy((r) => [hostDocs.get(r.host)?.data.env ?? 'unknown'], 'inspection.env');
  const by_group = groupBy((r) => hostDocs.get(r.host)?.data.groups ?? ['unknown'], 'inspection.group');
  const by_host = groupBy((r) => [r.host], 'inspection.host');

  const failingHosts = new Map<string, Set<string>>();
  for (const r of results) if (r.status === 'fail') (failingHosts.get(r.check) ?? failingHosts.set(r.check, new Set()).get(r.check)!).add(r.host);
  const top_failing = [...failingHosts.entries()]
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .slice(0, 10)
    .map(([check, hosts]) => {
      const info = checkInfo.get(check);
      const sev = info?.severity ?? results.find((r) => r.check === check)!.severity;
      return { check, title: info?.title ?? check, severity: sev, figure: count(`inspection.top.${check}`, [...lines(hosts), ...(info ? [info.file] : [])], hosts.size, 'formula.top_failing') };
    });
  const findings = computeFindings(latest, baseline, unreachable, input.checks, applies);
  const frameworkResults = (ids: string[]) => [citeLine(latest.path, latest.completed), ...frameworkEvidence(ids)];
  const frameworks = { djbh: computeFramework('djbh', input.checks, results, frameworkResults), iso27001: computeFramework('iso27001', input.checks, results, frameworkResults) };
  return { run: { path: latest.path, run: latest.run, at: latest.at }, figures, schedule, by_env, by_group, by_host, top_failing, unreachable, findings, exceptions, frameworks };
}

/** Whether a check of the baselines applies to an inventory host (its baseline's and its own applies_to); unknown ones do. Pure. */
function appliesTo(input: ReportInput): (host: string, check: string) => boolean {
  const hosts = new Map(input.hosts.map((h) => [h.id, h.data] as const));
  const checks = new Map(input.checks.map((c) => [c.id, c] as const));
  return (host, check) => {
    const h = hosts.get(host);
    const c = checks.get(check);
    return !h || !c || (c.scopes ?? []).every((s) => inScope(s, { id: host, groups: h.groups, env: h.env }));
  };
}

function exceptionPaths(input: ReportInput, id: string | undefined): string[] {
  const e = id ? input.exceptions.find((x) => x.id === id) : undefined;
  return e ? [e.file] : [];
}

/** The exceptions register as of `now`: active, expiring within 30 days, expired. Pure. */
export function computeExceptions(input: ReportInput, now: number): ExceptionRow[] {
  return input.exceptions
    .map((e) => {
      const expires = ms(e.data.expires) ?? 0;
      const state: ExceptionRow['state'] = expires <= now ? 'expired' : expires - now <= 30 * DAY ? 'expiring' : 'active';
      return { id: e.id, rule: e.data.rule, owner: e.data.owner, approver: e.data.approver, expires: e.data.expires, state, path: e.file };
    })
    .sort(byKey((e) => e.id));
}
