/**
 * An auditor's check, done here: every headline figure of the sample
 * organisation's November report is recomputed from the raw files —
 * documents parsed with the `yaml` package, records read line by line with
 * JSON.parse — by a small implementation written from the formulas the report
 * states, sharing no code with scripts/report/. The report must agree on
 * every numerator, denominator and value.
 */
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
const yamlDir = (dir: string): Doc[] => readdirSync(path.join(REPO, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(readFileSync(path.join(REPO, dir, f), 'utf8')));
const jsonl = (file: string): Doc[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const recordFiles = (dir: string): string[] => readdirSync(path.join(REPO, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(REPO, dir, f));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

let report: Doc;
let out: string;
beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'og-recompute-'));
  await runCli(['--root', REPO, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json', '--out', out, '--at', '2026-12-01T00:00:00+08:00'], { env: { PATH: process.env.PATH }, stdout: new PassThrough(), stderr: new PassThrough(), cwd: REPO });
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
  const runsOf = (id: string) => recordFiles(`records/changes`).filter((f) => f.includes(`/${id}/`)).map(jsonl);

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
    for (const f of recordFiles('records/gate')) for (const l of jsonl(f)) if (l.type === 'gate.decision') {
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
    const incidents = yamlDir('incidents');
    expect(kpi('incidents.new').value).toBe(incidents.filter((i) => inNov(i.detected_at)).length);
    const sla = new Map<number, Doc>(parse(readFileSync(path.join(REPO, 'policies/sla.yaml'), 'utf8')).levels.map((l: Doc) => [l.level, l]));
    let met = 0, evaluated = 0;
    for (const i of incidents) {
      const active = Date.parse(i.detected_at) < END && Date.parse(i.resolved_at ?? i.closed_at ?? '9999-01-01') >= START;
      if (!active) continue;
      const reported = Date.parse(i.reported_at ?? i.detected_at);
      const level = sla.get(i.level)!;
      for (const [stop, target] of [[i.acknowledged_at, level.acknowledge_minutes], [i.resolved_at ?? i.closed_at, level.resolve_minutes]] as [string | undefined, number][]) {
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
    let pass = 0, total = 0;
    const covered = new Set<string>();
    for (const l of hostLines) for (const r of l.results) {
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
    let ok = 0, total = 0;
    for (const p of yamlDir('policies/backup')) {
      if (!events.some((e) => e.policy === p.id && inNov(e.type === 'backup.snapshot' ? e.snapshot_time : e.at))) continue;
      for (const h of hosts.filter((x) => (p.targets.hosts ?? []).includes(x.id) || x.groups.some((g: string) => (p.targets.groups ?? []).includes(g)))) {
        const times = events.filter((e) => e.type === 'backup.snapshot' && e.policy === p.id && e.host === h.id && e.status === 'pass').map((e) => Date.parse(e.snapshot_time)).filter((t) => t <= END).sort((a, b) => a - b);
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
    const active = new Set(yamlDir('policies/access/people').filter((p) => p.status === 'active').map((p) => p.id));
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
