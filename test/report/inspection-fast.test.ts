import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRecordLine, verifyChain } from '../../scripts/records/chain.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { adaptInspectionFileFast } from '../../scripts/report/adapters/inspection-fast.ts';
import { adaptInspectionRecord, pruneInspectionRuns } from '../../scripts/report/adapters/inspection-records.ts';
import { createFixtureRepo } from './fixture-repo.ts';

let root: string;
beforeAll(async () => {
  root = (await createFixtureRepo()).root;
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function full(rel: string, text: string, zone: string) {
  const v = verifyChain(text);
  return pruneInspectionRuns(adaptInspectionRecord(rel, v.lines as unknown as Record<string, unknown>[]), zone);
}

/** Two months in one file, daily runs, so pruning and the by_change summary both matter. */
async function writeMonths(file: string): Promise<void> {
  const w = await RecordWriter.open(file);
  for (let d = 0; d < 6; d++) {
    const at = `2026-1${d < 3 ? 0 : 1}-${28 + (d % 3)}T0${d}:00:00+08:00`;
    const runId = `run-${d}`;
    const rows = ['a', 'b'].map((check, i) => ({
      host: 'web-01',
      check,
      baseline: 'x',
      title: check,
      severity: 'high',
      status: (d + i) % 2 ? 'fail' : 'pass',
      expected: '',
      observed: '',
      reason: '',
      evidence: '',
      ...((d + i) % 2 ? { change: d % 3 ? 'persisting' : 'new' } : { change: 'resolved' }),
    }));
    const byChange = { new: 0, persisting: 0, resolved: 0, regressed: 0 };
    for (const r of rows) byChange[r.change as keyof typeof byChange]++;
    await w.append({ at, type: 'inspection.started', run_id: runId, scope: {}, baselines: [] });
    await w.append({ at, type: 'inspection.host', run_id: runId, host: 'web-01', reachable: true, error: null, duration_ms: 1, results: rows });
    await w.append({ at, type: 'inspection.host', run_id: runId, host: 'db-01', reachable: false, error: { phase: 'connect', message: 'refused' }, duration_ms: 1, results: [] });
    await w.append({ at, type: 'inspection.completed', run_id: runId, previous_run: null, summary: { by_change: byChange } });
  }
  await w.close();
}

describe('the fast path through intact inspection records', () => {
  it.each(['Asia/Shanghai', 'UTC'])('gives the same runs as verifyChain + the adapter (fixture file, zone %s)', async (zone) => {
    const rel = 'records/inspections/2026-11.jsonl';
    const text = await readFile(path.join(root, rel), 'utf8');
    const fast = adaptInspectionFileFast(rel, text, zone);
    expect(fast).toBeDefined();
    expect(fast!.runs).toEqual(full(rel, text, zone));
    expect(fast!.lines).toBe(verifyChain(text).lines.length);
  });

  it("gives the same runs on the sample organisation's real records, keys of every run included", async () => {
    const rel = 'records/inspections/2026-11.jsonl';
    const text = await readFile(path.resolve(import.meta.dirname, '../..', rel), 'utf8');
    const fast = adaptInspectionFileFast(rel, text, 'Asia/Shanghai');
    expect(fast).toBeDefined();
    expect(fast!.runs).toEqual(full(rel, text, 'Asia/Shanghai'));
    // A pruned run still carries the keys each host held (the leaver's key on app-01 in the first runs).
    expect(fast!.runs.filter((r) => r.pruned).some((r) => r.keys['app-01']?.includes('deploy:sun-hao'))).toBe(true);
  }, 30_000);

  it('reads the keys row whose reason mentions "authorized" again, and a row after it', () => {
    const row = (check: string, observed: string, reason: string) => ({
      host: 'h',
      check,
      baseline: 'b',
      title: 't',
      severity: 'high',
      status: 'fail',
      expected: 'authorized keys only',
      observed,
      reason,
      evidence: 'cat authorized_keys',
    });
    const lines: string[] = [];
    let prev = '0'.repeat(64);
    const add = (e: Record<string, unknown>) => {
      const { text, hash } = renderRecordLine(prev, lines.length + 1, e as { at: string; type: string });
      lines.push(text);
      prev = hash;
    };
    add({ at: '2026-11-02T00:00:00Z', type: 'inspection.started', run_id: 'r', scope: {}, baselines: [] });
    add({
      at: '2026-11-02T00:00:00Z',
      type: 'inspection.host',
      run_id: 'r',
      host: 'h',
      reachable: true,
      error: null,
      duration_ms: 1,
      results: [row('access.authorized-keys', 'deploy:sun-hao', 'key of sun-hao is not authorized (authorized_keys)'), row('other', 'x', 'authorized?')],
    });
    add({ at: '2026-11-02T00:00:00Z', type: 'inspection.completed', run_id: 'r', previous_run: null, summary: {} });
    const text = lines.join('\n') + '\n';
    const fast = adaptInspectionFileFast('records/inspections/2026-11.jsonl', text, 'UTC')!;
    expect(fast.runs[0]!.keys).toEqual({ h: ['deploy:sun-hao'] });
    expect(fast.runs).toEqual(full('records/inspections/2026-11.jsonl', text, 'UTC'));
  });

  it('gives the same runs on several months with completion summaries (counts taken from them)', async () => {
    const file = path.join(root, 'records/inspections/months.jsonl');
    await writeMonths(file);
    const text = await readFile(file, 'utf8');
    const fast = adaptInspectionFileFast('records/inspections/months.jsonl', text, 'Asia/Shanghai')!;
    const slow = full('records/inspections/months.jsonl', text, 'Asia/Shanghai');
    expect(fast.runs.filter((r) => !r.pruned).map((r) => r.run)).toEqual(['run-0', 'run-2', 'run-3', 'run-5']);
    expect(fast.runs).toEqual(slow);
    await rm(file);
  });

  it.each([
    ['an edited line', (t: string) => t.replace('"status":"fail"', '"status":"pass"')],
    ['a truncated last line', (t: string) => t.slice(0, -20)],
    [
      'a removed line',
      (t: string) =>
        t
          .split('\n')
          .filter((_, i) => i !== 1)
          .join('\n'),
    ],
    ['a line in another layout', (t: string) => `${t}{"seq":99}\n`],
  ])('declines %s, so the full verifier names the problem', async (_n, damage) => {
    const text = await readFile(path.join(root, 'records/inspections/2026-11.jsonl'), 'utf8');
    const damaged = damage(text);
    expect(damaged).not.toBe(text);
    expect(adaptInspectionFileFast('records/inspections/2026-11.jsonl', damaged, 'UTC')).toBeUndefined();
    expect(verifyChain(damaged).ok).toBe(false);
  });
});
