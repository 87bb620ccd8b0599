import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { readPreviousRun, recordFileFor, writeInspectionRecord } from '../../scripts/inspect/record.ts';
import { summarize } from '../../scripts/inspect/results.ts';
import { RecordWriter, readRecordFile } from '../../scripts/records/writer.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-inspect-records-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const row = (status: InspectionRow['status']): InspectionRow => ({
  host: 'web-01',
  check: 'ssh.root',
  baseline: 'b',
  title: 't',
  severity: 'high',
  status,
  expected: '',
  observed: '',
  reason: '',
  evidence: '',
});
async function write(now: Date, runId: string, status: InspectionRow['status'], shard?: { index: number; count: number }) {
  const rows = [row(status)];
  await writeInspectionRecord({
    file: recordFileFor(root, now, shard),
    runId,
    at: () => now.toISOString(),
    scope: { hosts: [], groups: [], shard: shard ? `${shard.index}/${shard.count}` : null },
    baselines: [{ id: 'b', checks: 1 }],
    hosts: [{ host: 'web-01', reachable: true, durationMs: 1, rows }],
    previousRun: null,
    summary: summarize(rows, 0, 1),
  });
}

describe('inspection records', () => {
  it('files by month (UTC) and shard', () => {
    expect(path.relative(root, recordFileFor(root, new Date('2026-11-30T23:00:00Z')))).toBe('records/inspections/2026-11.jsonl');
    expect(path.relative(root, recordFileFor(root, new Date('2026-12-01T00:00:00Z'), { index: 2, count: 4 }))).toBe('records/inspections/2026-12.shard-2-of-4.jsonl');
  });

  it('finds the last completed run, ignores a crashed one, and falls back to last month', async () => {
    await write(new Date('2026-10-30T01:00:00Z'), 'INS-oct', 'fail');
    expect((await readPreviousRun(root, new Date('2026-11-01T01:00:00Z')))?.runId).toBe('INS-oct');
    await write(new Date('2026-11-02T01:00:00Z'), 'INS-nov-1', 'pass');
    // A run that crashed after its start line has no completion and is not "previous".
    const w = await RecordWriter.open(recordFileFor(root, new Date('2026-11-03T01:00:00Z')));
    await w.append({ at: '2026-11-03T01:00:00Z', type: 'inspection.started', run_id: 'INS-crashed', scope: {}, baselines: [] });
    await w.close();
    const prev = await readPreviousRun(root, new Date('2026-11-04T01:00:00Z'));
    expect(prev).toEqual({ runId: 'INS-nov-1', rows: [expect.objectContaining({ host: 'web-01', check: 'ssh.root', status: 'pass' })] });
    const chain = await readRecordFile(recordFileFor(root, new Date('2026-11-04T01:00:00Z')));
    expect(chain.ok).toBe(true);
    expect(chain.lines.map((l) => l.type)).toEqual(['inspection.started', 'inspection.host', 'inspection.completed', 'inspection.started']);
  });

  it('keeps shards apart', async () => {
    await write(new Date('2026-11-05T01:00:00Z'), 'INS-shard', 'fail', { index: 1, count: 2 });
    expect((await readPreviousRun(root, new Date('2026-11-06T01:00:00Z'), { index: 1, count: 2 }))?.runId).toBe('INS-shard');
    expect(await readPreviousRun(root, new Date('2026-11-06T01:00:00Z'), { index: 2, count: 2 })).toBeUndefined();
    expect((await readPreviousRun(root, new Date('2026-11-06T01:00:00Z')))?.runId).toBe('INS-nov-1');
    expect(await readFile(recordFileFor(root, new Date('2026-11-06T01:00:00Z'), { index: 1, count: 2 }), 'utf8')).toMatch(/"shard":"1\/2"/);
  });
});
