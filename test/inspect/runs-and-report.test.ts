import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { priorByHost, readRecentRuns, recordFileFor, writeInspectionRecord } from '../../scripts/inspect/record.ts';
import { summarize } from '../../scripts/inspect/results.ts';
import type { HostRun } from '../../scripts/inspect/runner.ts';
import { adaptInspectionFileFast } from '../../scripts/report/adapters/inspection-fast.ts';
import { adaptInspectionRecord, pruneInspectionRuns } from '../../scripts/report/adapters/inspection-records.ts';
import { currentState, effectiveResults } from '../../scripts/report/metrics/inspection.ts';
import { verifyChain } from '../../scripts/records/chain.ts';

/**
 * Shards of one run id are one run; a scoped run is the comparison point only for its hosts;
 * inspect and the report count the same hosts as not inspected.
 */
const NOW = new Date('2026-11-20T02:00:00Z');
const row = (host: string, check: string, status: InspectionRow['status']): InspectionRow => ({
  host,
  check,
  baseline: 'b',
  title: 't',
  severity: 'high',
  status,
  expected: '',
  observed: '',
  reason: status === 'pass' ? '' : 'why',
  evidence: 'cmd',
});
const ok = (host: string, status: InspectionRow['status'] = 'fail'): HostRun => ({ host, reachable: true, durationMs: 5, rows: [row(host, 'c.one', status)] });
const down = (host: string, reachable: boolean, phase: string): HostRun => ({ host, reachable, error: { phase, message: 'gone' }, durationMs: 5, rows: [row(host, 'c.one', 'error')] });

let root: string;
async function record(runId: string, at: Date, hosts: HostRun[], shard?: { index: number; count: number }) {
  const rows = hosts.flatMap((h) => h.rows);
  await writeInspectionRecord({
    file: recordFileFor(root, at, shard),
    runId,
    at: () => at.toISOString(),
    scope: { hosts: [], groups: [], shard: shard ? `${shard.index}/${shard.count}` : null },
    baselines: [{ id: 'b', checks: 1 }],
    hosts,
    previousRun: null,
    summary: summarize(rows, hosts.filter((h) => !h.reachable).length, hosts.length, hosts.filter((h) => h.error).length),
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-runs-'));
  // R1: one scheduled run in two shards; R2: a run scoped to web-01 only; R3: a probe timeout on db-02.
  await record('R1', new Date('2026-11-18T01:30:00Z'), [ok('app-01'), ok('web-01')], { index: 1, count: 2 });
  await record('R1', new Date('2026-11-18T01:30:05Z'), [ok('db-01'), down('db-02', false, 'proxy')], { index: 2, count: 2 });
  await record('R2', new Date('2026-11-19T08:00:00Z'), [ok('web-01', 'pass')]);
  await record('R3', new Date('2026-11-19T09:00:00Z'), [down('db-02', true, 'timeout'), ok('db-01')]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runs read back from records', () => {
  it('merges the shards of one run id and finds, per host, the last run that inspected it', async () => {
    const runs = await readRecentRuns(root, NOW);
    expect(runs.map((r) => [r.runId, [...r.hosts.keys()].sort()])).toEqual([
      ['R1', ['app-01', 'db-01', 'db-02', 'web-01']],
      ['R2', ['web-01']],
      ['R3', ['db-01', 'db-02']],
    ]);
    const prior = priorByHost(runs, ['app-01', 'web-01', 'db-01', 'db-02', 'new-01']);
    expect(Object.fromEntries([...prior].map(([h, p]) => [h, p.runId]))).toEqual({ 'app-01': 'R1', 'web-01': 'R2', 'db-01': 'R3' });
    expect(priorByHost(runs, ['web-01'], 'R2').get('web-01')!.runId).toBe('R1');
  });
});

describe('the report takes each host from the last run that covered it', () => {
  const load = async () => {
    const dir = path.join(root, 'records', 'inspections');
    const files = (await readdir(dir)).sort();
    const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    const full = files.flatMap((f, i) => adaptInspectionRecord(`records/inspections/${f}`, verifyChain(texts[i]!).lines));
    const fast = files.flatMap((f, i) => adaptInspectionFileFast(`records/inspections/${f}`, texts[i]!, 'Asia/Shanghai')!.runs);
    return { full: pruneInspectionRuns(full, 'Asia/Shanghai'), fast };
  };
  it('merges shards and scoped runs; a probe timeout is not inspected, as inspect counts it', async () => {
    const { full, fast } = await load();
    for (const runs of [full, fast]) {
      const state = currentState(runs)!;
      const { results, unreachable } = effectiveResults(state, ['app-01', 'web-01', 'db-01', 'db-02', 'cache-01'], []);
      expect(unreachable.map((u) => `${u.host} ${u.reason}`)).toEqual(['cache-01 not_inspected', 'db-02 timeout: gone']);
      expect(
        results
          .filter((r) => r.status === 'fail')
          .map((r) => r.host)
          .sort(),
      ).toEqual(['app-01', 'db-01']);
      expect(results.find((r) => r.host === 'web-01')!.status).toBe('pass');
    }
    // Pruning keeps the rows each host's current state needs: R1 still has app-01's.
    expect(full.find((r) => r.run === 'R1' && r.hosts.includes('app-01'))!.pruned).toBe(false);
  });
});
