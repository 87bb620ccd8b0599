import { describe, expect, it } from 'vitest';
import { buildReport, KPI_IDS } from '../../scripts/report/build-report.ts';
import { collectFigures } from '../../scripts/report/evidence.ts';
import { computeAccess } from '../../scripts/report/metrics/access.ts';
import { computeChanges } from '../../scripts/report/metrics/changes.ts';
import { computeIncidents, evaluateClock } from '../../scripts/report/metrics/incidents.ts';
import { computeInspection } from '../../scripts/report/metrics/inspection.ts';
import { computeBackups, largestGap } from '../../scripts/report/metrics/backups.ts';
import { computeOncall, computeRunbooks } from '../../scripts/report/metrics/oncall.ts';
import { backupPolicy, change, decision, emptyInput, endOf, exception, host, incident, inspection, period, row, run, SLA, value } from './input-builder.ts';

const NOV = period('2026-11');
const NOW = endOf('2026-11');

describe('no data in a period', () => {
  const input = emptyInput();
  it.each([
    ['changes', () => computeChanges(input, NOV, NOW).figures, ['changes.success_rate', 'changes.emergency_ratio', 'changes.lead_time_median', 'changes.approval_latency_median']],
    ['incidents', () => computeIncidents(input, NOV, NOW).figures, ['incidents.sla_attainment', 'incidents.ack_attainment']],
    ['inspection', () => computeInspection(input, NOV, NOW).figures, ['inspection.compliance']],
    ['backups', () => computeBackups(input, NOV, NOW).figures, ['backups.rpo_attainment']],
    ['oncall', () => computeOncall(input, NOV, NOW).figures, ['oncall.coverage_30d']],
  ])('%s: ratios are null ("no data"), never 0 %% or 100 %%', (_name, figures, ids) => {
    const fs = figures();
    for (const id of ids) expect(value(fs, id), id).toBeNull();
    for (const f of fs) if (f.unit === 'count') expect(f.value, f.id).toBe(0);
  });

  it('a whole report builds, with every KPI present and nothing to attend to', () => {
    const r = buildReport(input, { kind: 'audit', language: 'en', period: NOV, generatedAt: NOV.end, toolVersion: 't' });
    expect(r.summary.kpis.map((k) => k.figure.id)).toEqual([...KPI_IDS]);
    expect(r.summary.attention).toEqual([]);
    expect(r.evidence).toEqual([]);
    expect(r.inspection.run).toBeNull();
  });
});

describe('changes', () => {
  it.each([
    // The records decide: a closure saying "rolled back" does not turn a successful run into a rollback.
    [
      'closure says rolled back, the run succeeded',
      [change('CHG-2026-0001', { closure: { outcome: 'rolled_back', closed_at: '2026-11-06T09:00:00+08:00', deviations: 'none', reviewed_by: 'chen-jie' } })],
      [run('CHG-2026-0001')],
      100,
      0,
    ],
    [
      'closure says succeeded, the run was rolled back',
      [change('CHG-2026-0001', { closure: { outcome: 'succeeded', closed_at: '2026-11-06T09:00:00+08:00', deviations: '', reviewed_by: 'chen-jie' } })],
      [run('CHG-2026-0001', { outcome: 'rolled_back', rolled_back: true })],
      0,
      100,
    ],
    ['the last execution rolled back', [change('CHG-2026-0001')], [run('CHG-2026-0001', { outcome: 'rolled_back', rolled_back: true })], 0, 100],
    ['success', [change('CHG-2026-0001')], [run('CHG-2026-0001')], 100, 0],
    ['one of two rolled back', [change('CHG-2026-0001'), change('CHG-2026-0002')], [run('CHG-2026-0001'), run('CHG-2026-0002', { outcome: 'rolled_back', rolled_back: true })], 50, 50],
  ])('%s', (_name, changes, executions, success, rollback) => {
    const s = computeChanges(emptyInput({ changes, executions, gateDecisions: [decision(changes.map((c) => c.id))] }), NOV, NOW);
    expect(value(s.figures, 'changes.success_rate')).toBe(success);
    expect(value(s.figures, 'changes.rollback_rate')).toBe(rollback);
  });

  it.each([
    ['a closure the last run contradicts', { outcome: 'partial' as const }, [run('CHG-2026-0001', { outcome: 'failed' })], [['CHG-2026-0001', 'partial', 'failed']], []],
    ['a closure that claims a run with no record behind it', { outcome: 'rolled_back' as const }, [], [['CHG-2026-0001', 'rolled_back', 'no_record']], ['CHG-2026-0001']],
    ['a closure the records confirm', { outcome: 'failed' as const }, [run('CHG-2026-0001', { outcome: 'failed' })], [], []],
    ['a cancelled change without runs', { outcome: 'cancelled' as const }, [], [], []],
  ])('discrepancies: %s', (_n, closure, executions, want, missing) => {
    const c = change('CHG-2026-0001', { closure: { ...closure, closed_at: '2026-11-06T09:00:00+08:00', deviations: 'd', reviewed_by: 'chen-jie' } });
    const s = computeChanges(emptyInput({ changes: [c], executions }), NOV, NOW);
    expect(s.discrepancies.map((d) => [d.change, d.closure, d.records])).toEqual(want);
    expect(s.missing_records).toEqual(missing);
    expect(value(s.figures, 'changes.outcome_discrepancies')).toBe(want.length);
  });

  it('per-change approval evidence: PR, approvers with time, decision in force, CAB, lead time, in window, outcome', () => {
    const c = change('CHG-2026-0001', { risk: 'high' });
    const rules = [
      { id: 'change-normal', status: 'satisfied', requires: '1 of teams ops', approvers: [{ person: 'zhang-wei', at: '2026-11-04T09:00:00+08:00' }], still_needed_from: [] },
      {
        id: 'change-high-risk',
        status: 'satisfied',
        requires: '2 of team cab',
        approvers: [
          { person: 'zhang-wei', at: '2026-11-04T09:00:00+08:00' },
          { person: 'chen-jie', at: '2026-11-04T09:30:00+08:00' },
        ],
        still_needed_from: [],
      },
    ];
    const input = emptyInput({
      changes: [c],
      executions: [run(c.id, { pr: 7, outcome: 'partial' })],
      gateDecisions: [decision([c.id], { status: 'pending', at: '2026-11-03T10:00:00+08:00', line: 1 }), decision([c.id], { rules, line: 2 })],
    });
    const [r] = computeChanges(input, NOV, NOW).changes;
    expect(r).toMatchObject({ change: c.id, pr: 7, gate_status: 'satisfied', gate_at: '2026-11-04T10:00:00+08:00', cab: 'satisfied', in_window: true, outcome: 'partial', lead_time_hours: 60.1 });
    expect(r!.approvers).toEqual([
      { person: 'zhang-wei', at: '2026-11-04T09:00:00+08:00' },
      { person: 'chen-jie', at: '2026-11-04T09:30:00+08:00' },
    ]);
  });

  it('lists changes whose gate can never be satisfied, and emergencies approved but not run in their window', () => {
    const db = change('CHG-2026-0002');
    const em = change('CHG-2026-0003', { type: 'emergency', emergency: { justification: 'j', retro_review_due: '2026-11-10T00:00:00+08:00' } });
    const failed = { id: 'database-changes', status: 'failed', requires: '1 of team dba', approvers: [], still_needed_from: [] };
    const input = emptyInput({
      changes: [db, em],
      gateDecisions: [decision([db.id], { status: 'failed', rules: [failed], summary: 'cannot be satisfied: database-changes' }), decision([em.id])],
    });
    const s = computeChanges(input, NOV, NOW);
    expect(s.never_satisfiable.map((n) => [n.change, n.rules.map((r) => r.id)])).toEqual([[db.id, ['database-changes']]]);
    expect(s.emergency_not_run.map((e) => [e.change, e.reason])).toEqual([[em.id, 'reason.no_run']]);
    expect([value(s.figures, 'changes.never_satisfiable'), value(s.figures, 'changes.emergency_not_run')]).toEqual([1, 1]);
  });

  it('lists an execution outside its window and one without a satisfied gate decision', () => {
    const input = emptyInput({
      changes: [change('CHG-2026-0001'), change('CHG-2026-0002'), change('CHG-2026-0003')],
      executions: [run('CHG-2026-0001', { started_at: '2026-11-05T21:00:00+08:00' }), run('CHG-2026-0002'), run('CHG-2026-0003')],
      gateDecisions: [decision(['CHG-2026-0001']), decision(['CHG-2026-0002'], { status: 'pending' }), decision(['CHG-2026-0002'], { status: 'satisfied', at: '2026-11-05T23:00:00+08:00' })],
    });
    const s = computeChanges(input, NOV, NOW);
    expect(s.outside_window.map((r) => [r.change, r.reason])).toEqual([['CHG-2026-0001', 'reason.before_window']]);
    expect(s.ungated.map((r) => [r.change, r.reason])).toEqual([
      ['CHG-2026-0002', 'reason.gate_not_satisfied'],
      ['CHG-2026-0003', 'reason.no_gate_decision'],
    ]);
    expect(value(s.figures, 'changes.ungated')).toBe(2);
  });

  it('approval latency runs from the first gate decision to the first satisfied one', () => {
    const input = emptyInput({
      changes: [change('CHG-2026-0002')],
      gateDecisions: [decision(['CHG-2026-0002'], { status: 'pending' }), decision(['CHG-2026-0002'], { status: 'satisfied', at: '2026-11-05T23:00:00+08:00' })],
    });
    expect(value(computeChanges(input, NOV, NOW).figures, 'changes.approval_latency_median')).toBe(37);
  });

  it('links gate decisions to a change through the pull request that touched its file', () => {
    const c = change('CHG-2026-0001');
    const input = emptyInput({
      changes: [c],
      executions: [run(c.id)],
      gateDecisions: [decision([], { pr: 12 })],
      git: { commit: undefined, repositoryUrl: undefined, files: { [c.file]: { first: undefined, last: undefined, prs: [12] } } },
    });
    expect(computeChanges(input, NOV, NOW).ungated).toEqual([]);
  });

  it('counts emergency ratio, overdue retro reviews and missing post-implementation reviews', () => {
    const input = emptyInput({
      changes: [
        change('CHG-2026-0001', { type: 'emergency', emergency: { justification: 'j', retro_review_due: '2026-11-10T00:00:00+08:00' } }),
        change('CHG-2026-0002', { closure: { outcome: 'succeeded', closed_at: '2026-11-06T00:00:00+08:00', deviations: 'none', reviewed_by: 'x' } }),
      ],
    });
    const s = computeChanges(input, NOV, NOW);
    expect(value(s.figures, 'changes.emergency_ratio')).toBe(50);
    expect(s.retro_overdue.map((r) => r.change)).toEqual(['CHG-2026-0001']);
    expect(s.pir_missing.map((r) => r.change)).toEqual(['CHG-2026-0001']);
  });
});

describe('incidents', () => {
  const spanning = incident('INC-2026-0001', {
    detected_at: '2026-10-31T22:00:00+08:00',
    reported_at: '2026-10-31T22:00:00+08:00',
    acknowledged_at: '2026-10-31T22:10:00+08:00',
    resolved_at: '2026-11-01T03:00:00+08:00',
  });
  it.each([
    ['2026-10', { new: 1, active: 1, carried: 0, open: 1, ackEval: 1, resEval: 0 }],
    ['2026-11', { new: 0, active: 1, carried: 1, open: 0, ackEval: 0, resEval: 1 }],
    ['2026-12', { new: 0, active: 0, carried: 0, open: 0, ackEval: 0, resEval: 0 }],
  ])('an incident spanning two periods, seen from %s', (p, want) => {
    const s = computeIncidents(emptyInput({ incidents: [spanning], sla: SLA }), period(p), endOf(p));
    const f = s.figures;
    expect([value(f, 'incidents.new'), value(f, 'incidents.active'), value(f, 'incidents.carried_over'), value(f, 'incidents.open_at_end')]).toEqual([want.new, want.active, want.carried, want.open]);
    const ack = f.find((x) => x.id === 'incidents.ack_attainment')!;
    const res = f.find((x) => x.id === 'incidents.resolve_attainment')!;
    expect([ack.denominator, res.denominator]).toEqual([want.ackEval, want.resEval]);
  });

  it.each([
    ['stopped in the period within target', 0, 10, 30, { evaluated: true, met: true }],
    ['stopped in the period over target', 0, 40, 30, { evaluated: true, met: false }],
    ['still running past target at the period end', 0, undefined, 30, { evaluated: true, met: false }],
    ['still running, target not yet reached', 0, undefined, 100_000, { evaluated: false, met: false }],
  ])('SLA clock: %s', (_n, startMin, stopMin, target, want) => {
    const base = NOV.startMs + 60_000 * 60;
    const r = evaluateClock(base + startMin * 60_000, stopMin === undefined ? undefined : base + stopMin * 60_000, target, NOV, NOW);
    expect({ evaluated: r.evaluated, met: r.met }).toEqual(want);
  });

  it('lists SLA breaches and overdue post-mortems and follow-ups', () => {
    const late = incident('INC-2026-0002', {
      level: 1,
      acknowledged_at: '2026-11-06T09:20:00+08:00',
      resolved_at: undefined,
      status: 'open',
      postmortem: { status: 'pending', due: '2026-11-20' },
      follow_ups: [
        { id: 'F1', action: 'a', owner: 'li-na', due: '2026-11-15', status: 'open' },
        { id: 'F2', action: 'b', owner: 'li-na', due: '2026-11-15', status: 'done', done_on: '2026-11-14' },
      ],
    });
    const s = computeIncidents(emptyInput({ incidents: [late], sla: SLA }), NOV, NOW);
    expect(s.breaches.map((b) => [b.measure, b.actual_minutes])).toEqual([
      ['acknowledge', 20],
      ['resolve', null],
    ]);
    expect(s.postmortems_overdue.map((p) => p.incident)).toEqual(['INC-2026-0002']);
    expect(s.follow_ups_overdue.map((f) => f.follow_up)).toEqual(['F1']);
    expect(value(s.figures, 'incidents.sla_attainment')).toBe(0);
  });
});

describe('inspection', () => {
  const hosts = [host('web-01'), host('web-02'), host('db-01', { groups: ['db'], env: 'staging' })];
  it('an unreachable host counts as error for every check of the run', () => {
    const run1 = inspection(
      '2026-11-20T02:00:00+08:00',
      [row('web-01', 'a', 'pass'), row('web-01', 'b', 'fail'), row('web-02', 'a', 'error', { reason: 'connect' }), row('web-02', 'b', 'error', { reason: 'connect' })],
      { unreachable: [{ host: 'web-02', reason: 'connect: refused' }] },
    );
    const s = computeInspection(emptyInput({ hosts, inspections: [run1] }), NOV, NOW);
    // db-01 was not covered by the run: its two checks count as error too.
    expect(s.unreachable.map((u) => u.host)).toEqual(['db-01', 'web-02']);
    const c = s.figures.find((f) => f.id === 'inspection.compliance')!;
    expect([c.numerator, c.denominator, c.value]).toEqual([1, 6, 16.7]);
    expect(s.by_env.map((r) => [r.key, r.figure.value])).toEqual([
      ['prod', 25],
      ['staging', 0],
    ]);
    expect(value(s.figures, 'inspection.hosts_unreachable')).toBe(2);
  });

  it('uses the last run of the period and counts waived outside the ratio', () => {
    const a = inspection('2026-11-01T02:00:00+08:00', [row('web-01', 'a', 'fail', { change: 'new' })]);
    const b = inspection('2026-11-02T02:00:00+08:00', [row('web-01', 'a', 'pass', { change: 'resolved' }), row('web-01', 'b', 'waived', { exception: 'ex-1' })]);
    const s = computeInspection(emptyInput({ hosts: [hosts[0]!], inspections: [b, a] }), NOV, NOW);
    expect(s.run?.run).toBe(b.run);
    expect(value(s.figures, 'inspection.compliance')).toBe(100);
    expect(value(s.figures, 'inspection.waived')).toBe(1);
  });

  it('findings: open at the last run, new and resolved against the baseline, an unreachable host listed once', () => {
    const before = inspection('2026-10-31T02:00:00+08:00', [row('web-01', 'a', 'fail'), row('web-01', 'b', 'fail'), row('web-02', 'a', 'pass'), row('web-02', 'b', 'pass')]);
    const first = inspection('2026-11-10T02:00:00+08:00', [row('web-01', 'a', 'fail'), row('web-01', 'b', 'pass'), row('web-02', 'a', 'pass'), row('web-02', 'b', 'pass')]);
    const last = inspection(
      '2026-11-30T02:00:00+08:00',
      [row('web-01', 'a', 'fail', { change: 'persisting', expected: 'no', observed: 'yes' }), row('web-01', 'b', 'pass'), row('web-02', 'a', 'fail', { change: 'new' }), row('web-02', 'b', 'pass')],
      { unreachable: [{ host: 'db-01', reason: 'connect: refused' }] },
    );
    const s = computeInspection(emptyInput({ hosts, inspections: [before, first, last] }), NOV, NOW);
    const f = s.findings;
    expect(f.baseline?.run).toBe(before.run);
    expect(f.open.map((x) => [x.host, x.check, x.since, x.lifecycle])).toEqual([
      ['web-01', 'a', 'persisting', 'persisting'],
      ['web-02', 'a', 'new', 'new'],
    ]);
    expect(f.open[0]).toMatchObject({ expected: 'no', observed: 'yes' });
    expect(f.resolved.map((x) => [x.host, x.check])).toEqual([['web-01', 'b']]);
    expect(f.not_evaluated.map((x) => [x.host, x.checks])).toEqual([['db-01', 2]]);
    expect([value(f.figures, 'findings.open'), value(f.figures, 'findings.new'), value(f.figures, 'findings.resolved'), value(f.figures, 'findings.hosts_not_evaluated')]).toEqual([2, 1, 1, 1]);
    // Without a run before the period, its first run is the baseline.
    expect(computeInspection(emptyInput({ hosts, inspections: [first, last] }), NOV, NOW).findings.open.map((x) => x.since)).toEqual(['persisting', 'new']);
  });

  it('shards of one run (same run id, two files) are one run', () => {
    const a = inspection('2026-11-30T02:00:00+08:00', [row('web-01', 'a', 'pass')], { run: 'R', path: 'records/inspections/2026-11.shard-1-of-2.jsonl' });
    const b = inspection('2026-11-30T02:00:05+08:00', [row('web-02', 'a', 'fail')], { run: 'R', path: 'records/inspections/2026-11.shard-2-of-2.jsonl' });
    const s = computeInspection(emptyInput({ hosts: [hosts[0]!, hosts[1]!], inspections: [a, b] }), NOV, NOW);
    expect(value(s.figures, 'inspection.runs')).toBe(1);
    const c = s.figures.find((x) => x.id === 'inspection.compliance')!;
    expect([c.numerator, c.denominator]).toEqual([1, 2]);
    expect(s.findings.open[0]!.evidence[0]).toMatch(/^records\/inspections\/2026-11\.shard-2-of-2\.jsonl#/);
  });

  it('runs against the schedule: expected, missed, and the stretches without a run', () => {
    const org = { id: 'organisation', file: 'policies/organisation.yaml', sha256: '', data: { id: 'organisation' as const, name: 'x', default_language: 'en' as const, inspection_every_hours: 24 } };
    const runs = ['2026-11-01T02:00:00+08:00', '2026-11-02T02:00:00+08:00', '2026-11-20T02:00:00+08:00', '2026-11-30T02:00:00+08:00'].map((at) => inspection(at, [row('web-01', 'a', 'pass')]));
    const s = computeInspection(emptyInput({ organisation: org, hosts: [hosts[0]!], inspections: runs }), NOV, NOW);
    expect([value(s.figures, 'inspection.runs'), value(s.figures, 'inspection.runs_expected'), value(s.figures, 'inspection.runs_missed')]).toEqual([4, 30, 26]);
    expect(s.schedule.gaps.map((g) => g.hours)).toEqual([432, 240]);
  });

  it.each([
    ['expired', '2026-11-15T00:00:00+08:00', 'expired'],
    ['expiring within 30 days', '2026-12-20T00:00:00+08:00', 'expiring'],
    ['in force', '2027-06-30T00:00:00+08:00', 'active'],
  ])('an exception %s', (_n, expires, state) => {
    const s = computeInspection(emptyInput({ exceptions: [exception('ex-1', expires)] }), NOV, NOW);
    expect(s.exceptions.map((e) => e.state)).toEqual([state]);
    expect(value(s.figures, 'exceptions.expired')).toBe(state === 'expired' ? 1 : 0);
  });

  it('an expired exception shows under "needs attention"', () => {
    const r = buildReport(emptyInput({ exceptions: [exception('ex-1', '2026-11-15T00:00:00+08:00')], incidents: [incident('INC-2026-0001')] }), {
      kind: 'audit',
      language: 'en',
      period: NOV,
      generatedAt: NOV.end,
      toolVersion: 't',
    });
    expect(r.summary.attention.map((f) => f.id)).toEqual(['exceptions.expired']);
    expect(r.evidence.map((e) => e.path)).toContain('policies/exceptions/ex-1.yaml');
  });

  it('a period without any evidence says "no data" everywhere, never 0', () => {
    const r = buildReport(emptyInput({ exceptions: [exception('ex-1', '2026-11-15T00:00:00+08:00')] }), { kind: 'audit', language: 'en', period: NOV, generatedAt: NOV.end, toolVersion: 't' });
    expect(r.status.period_has_evidence).toBe(false);
    expect(collectFigures({ c: r.changes, e: r.inspection }).every((f) => f.value === null)).toBe(true);
    expect(r.summary.attention).toEqual([]);
  });
});

describe('backups, access, on-call, runbooks', () => {
  it.each([
    [[0, 10, 20], 0, 30, 10],
    [[5], 0, 30, 25],
    [[], 0, 30, null],
  ])('largest gap between snapshots %j over [%d, %d] h = %s h', (snaps, from, to, want) => {
    const H = 3_600_000;
    expect(
      largestGap(
        snaps.map((s) => s * H),
        from * H,
        to * H,
      ),
    ).toBe(want);
  });

  it.each([
    ['backup records: the largest snapshot gap decides', 'records', 50],
    ["no backup records: the last inspection's backup_freshness check decides", 'inspection', 50],
    ['neither: no data', 'none', null],
  ])('RPO attainment, %s', (_n, source, want) => {
    const policy = backupPolicy({ groups: ['web'] });
    const hosts = [host('web-01'), host('web-02')];
    const snap = (h: string, at: string) => ({
      path: 'records/backups/2026-11.jsonl',
      line: { seq: 1, hash: 'a'.repeat(64) },
      at,
      policy: 'web',
      host: h,
      kind: 'snapshot' as const,
      ok: true,
      duration_seconds: undefined,
    });
    const backups =
      source === 'records'
        ? ['2026-10-31T23:00:00+08:00', '2026-11-10T00:00:00+08:00']
            .flatMap((d) => [snap('web-02', d)])
            .concat(Array.from({ length: 31 }, (_, i) => snap('web-01', new Date(NOV.startMs + i * 86_400_000 - 3_600_000).toISOString())))
        : [];
    const checks = [
      {
        id: 'backup.freshness',
        title: 'b',
        type: 'backup_freshness',
        severity: 'high' as const,
        baseline: 'linux',
        file: 'policies/baselines/linux.yaml',
        sha256: '',
        mappings: { djbh: [], iso27001: [], cis: [] },
      },
    ];
    const run = inspection('2026-11-30T02:00:00+08:00', source === 'inspection' ? [row('web-01', 'backup.freshness', 'pass'), row('web-02', 'backup.freshness', 'fail')] : []);
    const s = computeBackups(emptyInput({ hosts, backupPolicies: [policy], backups, checks, inspections: [run] }), NOV, NOW, { path: run.path, run: run.run });
    expect(s.policies[0]!.figure.value).toBe(want);
    expect(s.policies[0]!.missed.map((m) => m.host)).toEqual(want === null ? [] : ['web-02']);
  });

  it('RPO: a host whose earliest listed snapshot is inside the period is not evaluated (retention pruned the rest); no evaluated host is no data', () => {
    const policy = backupPolicy({ groups: ['web'] });
    const snap = (h: string, at: string) => ({
      path: 'records/backups/2026-11.jsonl',
      line: { seq: 1, hash: 'a'.repeat(64) },
      at,
      policy: 'web',
      host: h,
      kind: 'snapshot' as const,
      ok: true,
      duration_seconds: undefined,
    });
    const daily = (h: string, from: number, days: number) => Array.from({ length: days }, (_, i) => snap(h, new Date(from + i * 86_400_000).toISOString()));
    const hosts = [host('web-01'), host('web-02')];
    const backups = [...daily('web-01', NOV.startMs - 3_600_000, 31), ...daily('web-02', NOV.startMs + 20 * 86_400_000, 10)];
    const s = computeBackups(emptyInput({ hosts, backupPolicies: [policy], backups }), NOV, NOW);
    const f = s.policies[0]!.figure;
    expect([f.numerator, f.denominator]).toEqual([1, 1]);
    const oct = computeBackups(
      emptyInput({ hosts, backupPolicies: [policy], backups: [...daily('web-01', NOV.startMs - 5 * 86_400_000, 5), ...daily('web-02', NOV.startMs - 4 * 86_400_000, 4)] }),
      period('2026-10'),
      endOf('2026-10'),
    );
    expect(oct.policies[0]!.figure.value).toBeNull();
    // A host with no snapshot at all, while the policy has evidence in the period, missed its RPO.
    const none = computeBackups(emptyInput({ hosts, backupPolicies: [policy], backups: daily('web-01', NOV.startMs - 3_600_000, 31) }), NOV, NOW);
    expect(none.policies[0]!.missed.map((m) => m.host)).toEqual(['web-02']);
  });

  it('a restore test is judged on its recorded duration, not on the rounded hours shown: one second over the RTO is over', () => {
    const policy = backupPolicy({ groups: ['web'] });
    const test = (seq: number, seconds: number) => ({
      path: 'records/backups/2026-11.jsonl',
      line: { seq, hash: String(seq).repeat(64).slice(0, 64) },
      at: new Date(NOV.startMs + seq * 86_400_000).toISOString(),
      policy: 'web',
      host: 'web-01',
      kind: 'restore_test' as const,
      ok: true,
      duration_seconds: seconds,
    });
    const s = computeBackups(emptyInput({ hosts: [host('web-01')], backupPolicies: [policy], backups: [test(1, 4 * 3600 + 1), test(2, 0.307)] }), NOV, NOW);
    expect(s.policies[0]!.restore_tests.map((r) => r.within_rto)).toEqual([false, true]);
    expect(s.policies[0]!.restore_tests[1]!.duration_hours).toBeGreaterThan(0);
  });

  it('people who left with a grant in force are listed; expired grants are counted; a key in the people file is not access', () => {
    const people = [
      {
        id: 'old',
        file: 'policies/access/people/old.yaml',
        sha256: '',
        data: {
          id: 'old',
          name: 'Old',
          status: 'left' as const,
          left_on: '2026-10-01',
          ssh_keys: [{ fingerprint: 'SHA256:x', public_key: 'ssh-ed25519 AAAA old', expires: '2026-10-01T00:00:00+08:00' }],
        },
      },
    ];
    const grants = [
      {
        id: 'g1',
        file: 'policies/access/grants/g1.yaml',
        sha256: '',
        data: { id: 'g1', person: 'old', role: 'ops', granted_on: '2026-01-01', expires: '2027-01-01T00:00:00+08:00', justification: 'j', approved_by: 'x' },
      },
      {
        id: 'g2',
        file: 'policies/access/grants/g2.yaml',
        sha256: '',
        data: { id: 'g2', person: 'old', role: 'ops', granted_on: '2026-01-01', expires: '2026-11-01T00:00:00+08:00', justification: 'j', approved_by: 'x' },
      },
    ];
    const s = computeAccess(emptyInput({ people, grants }), NOV, NOW, null);
    expect(s.leavers).toEqual([{ person: 'old', left_on: '2026-10-01', grants: ['g1'], hosts: [], path: 'policies/access/people/old.yaml' }]);
    expect(value(s.figures, 'access.grants_expired')).toBe(1);
    // Without the grant, only the (expired) key in the people file remains: that is not access.
    expect(computeAccess(emptyInput({ people }), NOV, NOW, null).leavers).toEqual([]);
  });

  describe('leaver access from inspection and converge records', () => {
    const person = (id: string, status: 'active' | 'left', extra: Record<string, unknown> = {}) => ({
      id,
      file: `policies/access/people/${id}.yaml`,
      sha256: '',
      data: { id, name: id, status, ...extra },
    });
    const sun = person('sun-hao', 'left', { left_on: '2026-09-30', ssh_keys: [{ fingerprint: 'SHA256:sun', public_key: 'k', expires: '2026-09-30T18:00:00+08:00' }] });
    const lin = person('li-na', 'active', { ssh_keys: [{ fingerprint: 'SHA256:li', public_key: 'k' }] });
    const old = person('old-key', 'active', { ssh_keys: [{ fingerprint: 'SHA256:old', public_key: 'k', expires: '2026-11-10T00:00:00+08:00' }] });
    const hosts = [host('app-01', { groups: ['app'] }), host('web-01', { groups: ['web'] })];
    const runAt = (at: string, keys: Record<string, string[]>) => inspection(at, [row('app-01', 'access.authorized-keys', 'pass'), row('web-01', 'access.authorized-keys', 'pass')], { keys });
    const runs = [
      runAt('2026-11-02T08:30:00+08:00', { 'app-01': ['deploy:sun-hao', 'ops:li-na'], 'web-01': ['ops:li-na', 'ops:old-key'] }),
      runAt('2026-11-16T08:30:00+08:00', { 'app-01': ['deploy:sun-hao', 'ops:li-na'], 'web-01': ['ops:li-na', 'ops:old-key'] }),
      runAt('2026-11-30T08:30:00+08:00', { 'app-01': ['ops:li-na'], 'web-01': ['ops:li-na', 'ops:old-key'] }),
    ];
    const removal = {
      path: 'records/converge/access/r.jsonl',
      line: { seq: 3, hash: 'c'.repeat(64) },
      run: 'r',
      at: '2026-11-24T10:20:00+08:00',
      host: 'app-01',
      account: 'deploy',
      fingerprint: 'SHA256:sun',
    };
    const review = {
      id: '2026-q3',
      file: 'policies/access/reviews/2026-q3.yaml',
      sha256: '',
      data: { id: '2026-q3', period: '2026-Q3', reviewer: 'liu-yang', performed_on: '2026-10-12', due: '2026-10-15', scope: { groups: ['app', 'web'] }, grants_reviewed: [] },
    };

    it('a key present from the first run until converge removed it; a key used after its expiry; an active key is no finding', () => {
      const s = computeAccess(emptyInput({ people: [sun, lin, old], hosts, inspections: runs, converge: [removal] }), NOV, NOW, null);
      expect(s.key_presence.map((k) => [k.person, k.host, k.account, k.why, k.first_seen.slice(0, 10), k.last_seen.slice(0, 10), k.since_before, k.removed_at, k.present_at_end])).toEqual([
        ['old-key', 'web-01', 'ops', 'keys_expired', '2026-11-16', '2026-11-30', false, null, true],
        ['sun-hao', 'app-01', 'deploy', 'left', '2026-11-02', '2026-11-16', true, '2026-11-24T10:20:00+08:00', false],
      ]);
      expect(s.leavers).toEqual([]);
      expect(value(s.figures, 'access.key_presence')).toBe(2);
    });

    it('a leaver whose key is still there at the period end is a leaver with access', () => {
      const s = computeAccess(emptyInput({ people: [sun], hosts, inspections: runs.slice(0, 2) }), NOV, NOW, null);
      expect(s.leavers.map((l) => [l.person, l.hosts])).toEqual([['sun-hao', ['app-01']]]);
      expect(value(s.figures, 'access.leavers_with_access')).toBe(1);
    });

    it("an access review is contradicted when the first inspection after it still saw a leaver's key in its scope", () => {
      const s = computeAccess(emptyInput({ people: [sun, lin], hosts, inspections: runs, reviews: [review] }), NOV, NOW, null);
      expect(s.review_contradictions.map((c) => [c.review, c.person, c.host, c.seen_at.slice(0, 10)])).toEqual([['2026-q3', 'sun-hao', 'app-01', '2026-11-02']]);
      const outOfScope = { ...review, data: { ...review.data, scope: { groups: ['web'] } } };
      expect(computeAccess(emptyInput({ people: [sun], hosts, inspections: runs, reviews: [outOfScope] }), NOV, NOW, null).review_contradictions).toEqual([]);
    });
  });

  it('on-call: a rotation member who left leaves a gap', () => {
    const person = (id: string, status: 'active' | 'left') => ({ id, file: `policies/access/people/${id}.yaml`, sha256: '', data: { id, name: id, status } });
    const oncall = {
      id: 'oncall',
      file: 'policies/oncall.yaml',
      sha256: '',
      data: { id: 'oncall' as const, rotations: [{ id: 'p', title: 'p', members: ['a', 'b'], shift: { start: '2026-11-01T08:00:00+08:00', hours: 24 } }] },
    };
    const s = computeOncall(emptyInput({ oncall, people: [person('a', 'active'), person('b', 'left')] }), NOV, NOW);
    const cov = s.figures.find((f) => f.id === 'oncall.coverage_30d')!;
    expect(cov.value).toBe(50);
    // 2026-12-01 00:00 falls in b's shift (08:00 to 08:00): an 8 h gap, then every other day.
    expect(s.gaps.length).toBe(16);
    expect(s.gaps.map((g) => g.hours).slice(0, 3)).toEqual([8, 24, 24]);
    expect(s.gaps[0]!.start).toBe('2026-12-01T00:00:00+08:00');
  });

  it('a runbook past its review cadence is overdue', () => {
    const rb = (id: string, last: string) => ({ id, file: `runbooks/${id}.md`, sha256: '', data: { id, title: id, owner: 'x', review_every_days: 90, last_reviewed: last } });
    const s = computeRunbooks(emptyInput({ runbooks: [rb('old', '2026-01-01'), rb('new', '2026-11-01')] }), NOV, NOW);
    expect(s.overdue.map((o) => o.id)).toEqual(['old']);
  });
});

describe('evidence', () => {
  it('every figure of a report cites manifest ids, and every manifest item is cited', () => {
    const c = change('CHG-2026-0001');
    const input = emptyInput({
      changes: [c],
      executions: [run(c.id)],
      gateDecisions: [decision([c.id])],
      recordFiles: [
        { path: 'records/changes/CHG-2026-0001/r1.jsonl', sha256: 'c'.repeat(64), family: 'changes', lines: 3, ok: true },
        { path: 'records/gate/yunfan/ops/pr-7.jsonl', sha256: 'd'.repeat(64), family: 'gate', lines: 1, ok: true },
      ],
    });
    const r = buildReport(input, { kind: 'audit', language: 'en', period: NOV, generatedAt: NOV.end, toolVersion: 't' });
    const ids = new Set(r.evidence.map((e) => e.id));
    const cited = new Set(collectFigures(r).flatMap((f) => f.evidence));
    expect([...cited].every((id) => ids.has(id))).toBe(true);
    expect([...ids].sort()).toEqual([...cited].sort());
    expect(r.evidence.find((e) => e.path.startsWith('records/changes'))?.sha256).toBe('c'.repeat(64));
    expect(r.evidence_manifest_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
