/**
 * An auditor's check, done here: every headline figure of the sample
 * organisation's November report is recomputed from the raw files —
 * documents parsed with the `yaml` package, records read line by line with
 * JSON.parse — by a small implementation written from the formulas the report
 * states, sharing no code with scripts/report/. The report must agree on
 * every numerator, denominator and value.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const H = 3_600_000;
const START = Date.parse('2026-11-01T00:00:00+08:00');
const END = Date.parse('2026-12-01T00:00:00+08:00');
const inNov = (t: string | undefined) => t !== undefined && Date.parse(t) >= START && Date.parse(t) < END;

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const yamlDir = (dir: string): Doc[] =>
  readdirSync(path.join(REPO, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(path.join(REPO, dir, f), 'utf8')));
const jsonl = (file: string): Doc[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const recordFiles = (dir: string): string[] =>
  readdirSync(path.join(REPO, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => path.join(REPO, dir, f));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

let report: Doc;
let out: string;
beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'og-recompute-'));
  await runCli(['--root', REPO, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json', '--out', out, '--at', '2026-12-01T00:00:00+08:00'], {
    env: { PATH: process.env.PATH },
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    cwd: REPO,
  });
  report = JSON.parse(readFileSync(path.join(out, 'audit-2026-11.en.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function kpi(id: string): { value: number | null; numerator?: number; denominator?: number } {
  const k = report.summary.kpis.find((x: Doc) => x.figure.id === id);
  if (!k) throw new Error(`no KPI ${id}`);
  return { value: k.figure.value, numerator: k.figure.numerator, denominator: k.figure.denominator };
}

describe('the sample November report, recomputed independently from the raw files', () => {
  const changes = () => yamlDir('changes');
  const runsOf = (id: string) =>
    recordFiles(`records/changes`)
      .filter((f) => f.includes(`/${id}/`))
      .map(jsonl);

  it('changes in the period, success rate (from the records, never the closures) and emergency ratio', () => {
    const inPeriod = changes().filter((c) => inNov(c.window.start) || runsOf(c.id).some((r) => inNov(r[0]?.at)));
    expect(kpi('changes.total').value).toBe(inPeriod.length);
    const executed = inPeriod.filter((c) => runsOf(c.id).length > 0);
    const successful = executed.filter((c) => {
      const last = runsOf(c.id).at(-1)!;
      const done = last.filter((l) => l.type === 'run.done').at(-1);
      return done && Object.values(done.hosts).every((o) => o === 'succeeded');
    });
    expect(kpi('changes.success_rate')).toEqual({ value: pct(successful.length, executed.length), numerator: successful.length, denominator: executed.length });
    const emergency = inPeriod.filter((c) => c.type === 'emergency').length;
    expect(kpi('changes.emergency_ratio')).toEqual({ value: pct(emergency, inPeriod.length), numerator: emergency, denominator: inPeriod.length });
  });

  it('approval latency median: first gate decision to the first satisfied one, per change of the period', () => {
    const prOf = new Map<string, number>();
    for (const f of recordFiles('records/changes')) for (const l of jsonl(f)) if (l.type === 'run.planned' && typeof l.pr === 'number') prOf.set(l.change, l.pr);
    const decisions = new Map<number, Doc[]>();
    for (const f of recordFiles('records/gate'))
      for (const l of jsonl(f))
        if (l.type === 'gate.decision') {
          decisions.set(l.pr, [...(decisions.get(l.pr) ?? []), l]);
          for (const e of l.emergency ?? []) prOf.set(e.change, l.pr);
        }
    const latencies: number[] = [];
    for (const c of changes().filter((x) => inNov(x.window.start))) {
      const ds = (decisions.get(prOf.get(c.id) ?? -1) ?? []).sort((a, b) => Date.parse(a.evaluated_at) - Date.parse(b.evaluated_at));
      const sat = ds.find((d) => d.status === 'satisfied');
      if (ds[0] && sat) latencies.push((Date.parse(sat.evaluated_at) - Date.parse(ds[0].evaluated_at)) / H);
    }
    expect(latencies.length).toBeGreaterThanOrEqual(4);
    const figure = report.changes.figures.find((f: Doc) => f.id === 'changes.approval_latency_median');
    expect(figure.value).toBe(Math.round(median(latencies) * 10) / 10);
  });

  it('incidents detected, and SLA attainment over every clock stopped in the period or running past its target at its end', () => {
    const incidents = yamlDir('incidents').filter((i) => String(i.id).startsWith('INC-')); // not incidents/handovers/
    expect(kpi('incidents.new').value).toBe(incidents.filter((i) => inNov(i.detected_at)).length);
    const sla = new Map<number, Doc>(parse(readFileSync(path.join(REPO, 'policies/sla.yaml'), 'utf8')).levels.map((l: Doc) => [l.level, l]));
    let met = 0,
      evaluated = 0;
    for (const i of incidents) {
      const active = Date.parse(i.detected_at) < END && Date.parse(i.resolved_at ?? i.closed_at ?? '9999-01-01') >= START;
      if (!active) continue;
      const reported = Date.parse(i.reported_at ?? i.detected_at);
      const level = sla.get(i.level)!;
      for (const [stop, target] of [
        [i.acknowledged_at, level.acknowledge_minutes],
        [i.resolved_at ?? i.closed_at, level.resolve_minutes],
      ] as [string | undefined, number][]) {
        if (stop && inNov(stop)) {
          evaluated++;
          if ((Date.parse(stop) - reported) / 60_000 <= target) met++;
        } else if ((!stop || Date.parse(stop) >= END) && reported >= START && reported < END && reported + target * 60_000 < END) evaluated++;
      }
    }
    expect(kpi('incidents.sla_attainment')).toEqual({ value: pct(met, evaluated), numerator: met, denominator: evaluated });
  });

  it('baseline compliance at the last inspection of the period; hosts it did not reach count as error for every check', () => {
    const lines = recordFiles('records/inspections').flatMap(jsonl);
    const completed = new Set(lines.filter((l) => l.type === 'inspection.completed').map((l) => l.run_id));
    const started = lines.filter((l) => l.type === 'inspection.started' && completed.has(l.run_id) && inNov(l.at)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const run = started.at(-1)!.run_id;
    const hostLines = lines.filter((l) => l.type === 'inspection.host' && l.run_id === run);
    const checks = new Set(hostLines.flatMap((l) => l.results.map((r: Doc) => r.check)));
    let pass = 0,
      total = 0;
    const covered = new Set<string>();
    for (const l of hostLines)
      for (const r of l.results) {
        covered.add(r.host);
        if (['pass', 'fail', 'error'].includes(r.status)) total++;
        if (r.status === 'pass') pass++;
      }
    for (const h of yamlDir('inventory/hosts')) if (!covered.has(h.id)) total += checks.size;
    expect(kpi('inspection.compliance')).toEqual({ value: pct(pass, total), numerator: pass, denominator: total });
  });

  it('RPO attainment: target hosts whose largest gap between successful snapshots (the last before the period included) stays within the RPO', () => {
    const hosts = yamlDir('inventory/hosts');
    const events = recordFiles('records/backups').flatMap(jsonl);
    // backup verify lists each host's snapshots in one backup.snapshots line (scripts/backup/record.ts).
    const snapshots = events.filter((e) => e.type === 'backup.snapshots').flatMap((e) => e.snapshots.map((s: Doc) => ({ policy: e.policy, host: e.host, time: s.time as string })));
    let ok = 0,
      total = 0;
    for (const p of yamlDir('policies/backup')) {
      if (!events.some((e) => e.policy === p.id && e.type !== 'backup.snapshots' && e.type !== 'backup.retention' && inNov(e.at)) && !snapshots.some((s) => s.policy === p.id && inNov(s.time)))
        continue;
      for (const h of hosts.filter((x) => (p.targets.hosts ?? []).includes(x.id) || x.groups.some((g: string) => (p.targets.groups ?? []).includes(g)))) {
        const times = snapshots
          .filter((s) => s.policy === p.id && s.host === h.id)
          .map((s) => Date.parse(s.time))
          .filter((t) => t <= END)
          .sort((a, b) => a - b);
        if (times.length > 0 && times[0]! > START) continue; // what came before was pruned: not evaluated
        total++;
        const before = times.filter((t) => t < START).at(-1);
        const inside = times.filter((t) => t >= START);
        if (before === undefined && inside.length === 0) continue;
        let prev = before ?? START;
        let gap = 0;
        for (const t of inside) {
          gap = Math.max(gap, t - prev);
          prev = t;
        }
        if (Math.max(gap, END - prev) / H <= p.rpo_hours) ok++;
      }
    }
    expect(kpi('backups.rpo_attainment')).toEqual({ value: pct(ok, total), numerator: ok, denominator: total });
  });

  it('on-call coverage of the 30 days after the period: hours with an active person on duty in some rotation', () => {
    const oncall = parse(readFileSync(path.join(REPO, 'policies/oncall.yaml'), 'utf8'));
    const active = new Set(
      yamlDir('policies/access/people')
        .filter((p) => p.status === 'active')
        .map((p) => p.id),
    );
    let covered = 0;
    for (let t = END; t < END + 720 * H; t += H) {
      const on = oncall.rotations.some((rot: Doc) => {
        const o = (oncall.overrides ?? []).find((x: Doc) => x.rotation === rot.id && Date.parse(x.start) <= t && t < Date.parse(x.end));
        if (o) return active.has(o.person);
        const anchor = Date.parse(rot.shift.start);
        if (t < anchor) return false;
        return active.has(rot.members[Math.floor((t - anchor) / (rot.shift.hours * H)) % rot.members.length]);
      });
      if (on) covered++;
    }
    expect(kpi('oncall.coverage_30d')).toEqual({ value: pct(covered, 720), numerator: covered, denominator: 720 });
  });
});

describe('the sample November report, more of its figures recomputed independently', () => {
  const fig = (section: string, id: string): { value: number | null; numerator?: number; denominator?: number } => {
    const all: Doc[] = [...(report[section].figures ?? []), ...(report[section].findings?.figures ?? [])];
    const f = all.find((x) => x.id === id);
    if (!f) throw new Error(`no figure ${id} in ${section}`);
    return { value: f.value, ...(f.numerator !== undefined ? { numerator: f.numerator, denominator: f.denominator } : {}) };
  };
  const runFiles = (id: string) => recordFiles('records/changes').filter((f) => f.includes(`/${id}/`));
  /** What the last run.done of a run file says, in a closure's words: every host kept it, some did, none (rolled back or failed). */
  const outcomeOf = (lines: Doc[]): string => {
    const done = lines.filter((l) => l.type === 'run.done').at(-1);
    if (!done) return 'unknown';
    const hosts = Object.values(done.hosts ?? {}) as string[];
    const kept = hosts.filter((o) => o === 'succeeded').length;
    if (hosts.length > 0 && kept === hosts.length) return 'successful';
    if (kept > 0) return 'partial';
    return hosts.some((o) => o === 'rolled_back') ? 'rolled_back' : 'failed';
  };
  const executedInPeriod = () => yamlDir('changes').filter((c) => (inNov(c.window.start) || runFiles(c.id).some((f) => inNov(jsonl(f)[0]?.at))) && runFiles(c.id).length > 0);

  it('change failure and rollback rates: the last run of each executed change, per host', () => {
    const outcomes = executedInPeriod().map((c) => outcomeOf(jsonl(runFiles(c.id).at(-1)!)));
    const n = outcomes.length;
    const failed = outcomes.filter((o) => o === 'failed' || o === 'partial').length;
    const rolled = outcomes.filter((o) => o === 'rolled_back').length;
    expect(fig('changes', 'changes.failure_rate')).toEqual({ value: pct(failed, n), numerator: failed, denominator: n });
    expect(fig('changes', 'changes.rollback_rate')).toEqual({ value: pct(rolled, n), numerator: rolled, denominator: n });
  });

  it('lead time median and 90th percentile: first commit of the change file or first gate decision, whichever is earlier, to the first execution', () => {
    const firstDecision = new Map<string, number>();
    const prOf = new Map<string, number>();
    for (const f of recordFiles('records/changes')) for (const l of jsonl(f)) if (l.type === 'run.planned' && typeof l.pr === 'number') prOf.set(l.change, l.pr);
    const byPr = new Map<number, number>();
    for (const f of recordFiles('records/gate')) for (const l of jsonl(f)) if (l.type === 'gate.decision') byPr.set(l.pr, Math.min(byPr.get(l.pr) ?? Infinity, Date.parse(l.evaluated_at)));
    for (const [change, pr] of prOf) if (byPr.has(pr)) firstDecision.set(change, byPr.get(pr)!);
    const leads: number[] = [];
    for (const c of executedInPeriod()) {
      const committed = execFileSync('git', ['log', '--format=%cI', '--', `changes/${c.id}.yaml`], { cwd: REPO, encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(Date.parse);
      const start = Math.min(...committed, firstDecision.get(c.id) ?? Infinity);
      const firstRun = Math.min(...runFiles(c.id).map((f) => Date.parse(jsonl(f)[0]!.at)));
      leads.push((firstRun - start) / H);
    }
    const q = (p: number) => {
      const s = [...leads].sort((a, b) => a - b);
      const h = (s.length - 1) * p;
      const lo = Math.floor(h);
      return s[lo]! + (h - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
    };
    expect(leads.length).toBeGreaterThanOrEqual(3);
    expect(fig('changes', 'changes.lead_time_median').value).toBe(Math.round(q(0.5) * 10) / 10);
    expect(fig('changes', 'changes.lead_time_p90').value).toBe(Math.round(q(0.9) * 10) / 10);
  });

  it('inspection runs against the schedule: due = whole intervals in the period, missed = due − runs recorded', () => {
    const every = parse(readFileSync(path.join(REPO, 'policies/organisation.yaml'), 'utf8')).inspection_every_hours as number;
    const runs = new Set(
      recordFiles('records/inspections')
        .flatMap(jsonl)
        .filter((l) => l.type === 'inspection.started' && inNov(l.at))
        .map((l) => l.run_id),
    );
    const due = Math.floor((END - START) / (every * H));
    expect(fig('inspection', 'inspection.runs').value).toBe(runs.size);
    expect(fig('inspection', 'inspection.runs_expected').value).toBe(due);
    expect(fig('inspection', 'inspection.runs_missed').value).toBe(Math.max(0, due - runs.size));
  });

  it('findings: open at the last run on hosts it reached, new against the baseline run, resolved (failing then, passing now), hosts not evaluated', () => {
    const lines = recordFiles('records/inspections').flatMap(jsonl);
    const completed = new Set(lines.filter((l) => l.type === 'inspection.completed').map((l) => l.run_id));
    const started = lines.filter((l) => l.type === 'inspection.started' && completed.has(l.run_id)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const inside = started.filter((l) => inNov(l.at));
    const last = inside.at(-1)!.run_id;
    const baseline = (started.filter((l) => Date.parse(l.at) < START).at(-1) ?? inside[0]!).run_id;
    const statusAt = (run: string) => {
      const m = new Map<string, string>();
      for (const l of lines) if (l.type === 'inspection.host' && l.run_id === run && l.reachable !== false) for (const r of l.results) m.set(`${r.host} ${r.check}`, r.status);
      return m;
    };
    const now = statusAt(last);
    const then = statusAt(baseline);
    const failing = (s: string | undefined) => s === 'fail' || s === 'error';
    const open = [...now].filter(([, s]) => failing(s)).map(([k]) => k);
    const fresh = baseline === last ? [] : open.filter((k) => !failing(then.get(k)));
    const resolved = baseline === last ? [] : [...then].filter(([k, s]) => failing(s) && now.get(k) === 'pass');
    const down = lines.filter((l) => l.type === 'inspection.host' && l.run_id === last && l.reachable === false).length;
    expect(fig('inspection', 'findings.open').value).toBe(open.length);
    expect(fig('inspection', 'findings.new').value).toBe(fresh.length);
    expect(fig('inspection', 'findings.resolved').value).toBe(resolved.length);
    expect(fig('inspection', 'findings.hosts_not_evaluated').value).toBe(down);
    expect(fig('inspection', 'inspection.hosts_unreachable').value).toBe(down);
    // Each such host is listed with the checks it could not be evaluated on: those its record marks error (as compliance counts them).
    const errorsOf = (host: string) =>
      lines
        .filter((l) => l.type === 'inspection.host' && l.run_id === last && l.host === host)
        .flatMap((l) => l.results ?? [])
        .filter((r: Doc) => r.status === 'error').length;
    expect(report.inspection.findings.not_evaluated.map((n: Doc) => [n.host, n.checks])).toEqual(
      lines.filter((l) => l.type === 'inspection.host' && l.run_id === last && l.reachable === false).map((l) => [l.host, errorsOf(l.host)]),
    );
  });

  it('restore tests within the RTO: passed in no more than rto_hours, over those with a recorded duration', () => {
    const rto = new Map(yamlDir('policies/backup').map((p) => [p.id, p.rto_hours as number]));
    const tests = recordFiles('records/backups')
      .flatMap(jsonl)
      .filter((e) => e.type === 'backup.restore_test' && inNov(e.at) && typeof e.duration_ms === 'number');
    const within = tests.filter((e) => e.status === 'pass' && e.duration_ms <= rto.get(e.policy)! * H).length;
    expect(fig('backups', 'backups.restore_tests').value).toBe(
      recordFiles('records/backups')
        .flatMap(jsonl)
        .filter((e) => e.type === 'backup.restore_test' && inNov(e.at)).length,
    );
    expect(fig('backups', 'backups.rto_attainment')).toEqual({ value: pct(within, tests.length), numerator: within, denominator: tests.length });
  });

  it("every evidence item is pinned: its sha256 is the file's, and a cited record line carries that line's own hash", () => {
    expect(report.evidence.length).toBeGreaterThan(0);
    for (const e of report.evidence as Doc[]) {
      const bytes = readFileSync(path.join(REPO, e.path));
      expect([e.path, e.sha256]).toEqual([e.path, createHash('sha256').update(bytes).digest('hex')]);
      if (e.line) expect([e.path, e.line.hash]).toEqual([e.path, JSON.parse(bytes.toString('utf8').split('\n')[e.line.seq - 1]!).hash]);
    }
  });
});
