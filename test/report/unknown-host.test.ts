/**
 * An auditor planted an inspection line for a host the inventory does not
 * know (ghost-99: all its checks pass) in a correctly hash-chained record, and
 * a run dated in October inside November's file. The report must not count
 * either: compliance, hosts inspected, per-host rows and open findings are
 * recomputed here from the raw record over the inventory's hosts only, and
 * the planted host is flagged on the cover (gap.unknown_host, exit 1), never
 * silently folded into a better figure. Real documents, real git, the shipped
 * CLI.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { createFixtureRepo } from './fixture-repo.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const START = Date.parse('2026-11-01T00:00:00+08:00');
const END = Date.parse('2026-12-01T00:00:00+08:00');
let root = '';
let code = -1;
let r: Json;

const row = (host: string, check: string, status: string) => ({ host, check, baseline: 'ssh', title: check, severity: 'high', status, expected: 'x', observed: 'y', reason: '', evidence: 'sshd -T' });
const CHECKS = ['ssh.permit-root-login', 'ssh.max-auth-tries', 'access.authorized-keys'];

beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  const w = await RecordWriter.open(path.join(root, 'records/inspections/2026-11.jsonl'));
  const run = async (id: string, at: string, hosts: [string, string][]) => {
    await w.append({ at, type: 'inspection.started', run_id: id, scope: { hosts: [], groups: [], shard: null }, baselines: [{ id: 'ssh', checks: 3 }] });
    for (const [host, status] of hosts)
      await w.append({ at, type: 'inspection.host', run_id: id, host, reachable: true, error: null, duration_ms: 80, results: CHECKS.map((c) => row(host, c, status)) });
    await w.append({ at, type: 'inspection.completed', run_id: id, previous_run: null, summary: {} });
  };
  // The period's last run: the fleet, and a host no inventory file names.
  await run('r-1130b', '2026-11-30T03:00:00+08:00', [
    ['web-01', 'fail'],
    ['web-02', 'pass'],
    ['db-01', 'pass'],
    ['ghost-99', 'pass'],
  ]);
  // Out of period, filed in November's file: not a November run.
  await run('r-1020', '2026-10-20T03:00:00+08:00', [['web-01', 'pass']]);
  await w.close();
  execFileSync('git', ['-C', root, 'add', '-A']);
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'records: planted'], {
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-11-30T12:00:00+08:00', GIT_COMMITTER_DATE: '2026-11-30T12:00:00+08:00' },
  });
  const io = { env: { PATH: process.env.PATH }, stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), cwd: root, now: () => new Date('2026-12-02T01:00:00Z') };
  code = await runCli(['--root', root, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json', '--out', 'out'], io);
  r = JSON.parse(readFileSync(path.join(root, 'out/audit-2026-11.en.json'), 'utf8'));
}, 180_000);
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The auditor's reading of the raw record: the period's last completed run, inventory hosts only. */
function recompute() {
  const inventory = new Set(readdirSync(path.join(root, 'inventory/hosts')).map((f) => (parse(readFileSync(path.join(root, 'inventory/hosts', f), 'utf8')) as Json).id as string));
  const lines = readFileSync(path.join(root, 'records/inspections/2026-11.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json);
  const runs = lines.filter((l) => l.type === 'inspection.started' && Date.parse(l.at) >= START && Date.parse(l.at) < END);
  const last = runs.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1)!.run_id;
  const hostLines = lines.filter((l) => l.type === 'inspection.host' && l.run_id === last && inventory.has(l.host));
  const results = hostLines.flatMap((l) => l.results as Json[]);
  const missing = [...inventory].filter((h) => !hostLines.some((l) => l.host === h));
  const pass = results.filter((x) => x.status === 'pass').length;
  const judged = results.filter((x) => ['pass', 'fail', 'error'].includes(x.status)).length + missing.length * CHECKS.length;
  return { runs: new Set(runs.map((x) => x.run_id)).size, pass, judged, inspected: new Set(hostLines.map((l) => l.host)).size, fails: results.filter((x) => x.status === 'fail').length };
}

describe('a record naming a host the inventory does not know', () => {
  const fig = (id: string) => (r.inspection.figures as Json[]).find((f) => f.id === id)!;

  it('is not counted: compliance, hosts inspected and runs are what the inventory hosts and the period give', () => {
    const want = recompute();
    expect([fig('inspection.compliance').numerator, fig('inspection.compliance').denominator]).toEqual([want.pass, want.judged]);
    expect(fig('inspection.hosts_inspected').value).toBe(want.inspected);
    expect(fig('inspection.runs').value).toBe(want.runs);
    expect((r.inspection.by_host as Json[]).map((h) => h.key)).not.toContain('ghost-99');
    expect(r.inspection.findings.open.filter((f: Json) => f.host === 'ghost-99')).toEqual([]);
    expect(JSON.stringify(r.inspection.frameworks)).not.toContain('ghost-99');
  });

  it('is flagged on the cover with the record file and the host, and the command exits 1', () => {
    expect(code).toBe(1);
    expect((r.status.gaps as Json[]).filter((g) => g.code === 'gap.unknown_host').map((g) => [g.path, g.detail])).toEqual([['records/inspections/2026-11.jsonl', 'r-1130b ghost-99']]);
    expect(fig('inspection.compliance').incomplete).toContain('gap.unknown_host');
  });
});
