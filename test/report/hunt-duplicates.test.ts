/**
 * An auditor counts incidents by id: the same incident filed twice (once in the wrong year folder) is one
 * incident, and the copy the report leaves out is named as excluded, not silently counted or silently dropped.
 * The recomputation below is the test's own, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { adaptDocuments } from '../../scripts/report/adapters/documents.ts';
import { computeIncidents } from '../../scripts/report/metrics/incidents.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { computeInspection } from '../../scripts/report/metrics/inspection.ts';
import { emptyInput, host, inspection, period, row } from './input-builder.ts';

const incident = (id: string, detected: string) =>
  [
    `id: ${id}`,
    'title: 订单服务超时',
    'level: 3',
    'status: closed',
    'reporter: li-na',
    'handler: wang-fang',
    `detected_at: "${detected}"`,
    `reported_at: "${detected}"`,
    `acknowledged_at: "${detected}"`,
    `resolved_at: "${detected.replace('T09', 'T10')}"`,
    `closed_at: "${detected.replace('T09', 'T11')}"`,
    'root_cause: 连接池上限误配',
    'resolution: 调整连接池',
    'summary: s',
    'postmortem: { status: not_required }',
    '',
  ].join('\n');

describe('hunt: one incident filed twice is counted once', () => {
  it('a copy in the wrong year folder is excluded and said to be', async () => {
    const files = {
      'incidents/2025/INC-2026-0050.yaml': incident('INC-2026-0050', '2026-11-06T09:00:00+08:00'),
      'incidents/2026/INC-2026-0050.yaml': incident('INC-2026-0050', '2026-11-06T09:00:00+08:00'),
      'incidents/2026/INC-2026-0051.yaml': incident('INC-2026-0051', '2026-11-07T09:00:00+08:00'),
    };
    const model = await repoFromFiles(files);
    const docs = adaptDocuments(model);
    const handDistinct = new Set(Object.values(files).map((t) => /^id: (.*)$/m.exec(t)![1])).size;
    expect(handDistinct).toBe(2);
    const p = period('2026-11');
    const s = computeIncidents(emptyInput({ ...docs }), p, p.endMs);
    expect(s.figures.find((f) => f.id === 'incidents.new')!.value).toBe(handDistinct);
    expect(docs.documentProblems.map((d) => [d.file, d.code])).toContainEqual(['incidents/2025/INC-2026-0050.yaml', 'document.wrong-year-folder']);
  });
});

describe('hunt: one inspection run recorded twice is counted once', () => {
  it('the same run id with the same host in two record files: each host × check counts once', () => {
    const results = [row('web-01', 'a', 'pass'), row('web-01', 'b', 'fail'), row('web-01', 'c', 'pass')];
    const one = inspection('2026-11-20T02:00:00+08:00', results, { run: 'run-x', path: 'records/inspections/2026-11.jsonl' });
    const copy = inspection('2026-11-20T02:00:00+08:00', results, { run: 'run-x', path: 'records/inspections/2026-11-copy.jsonl' });
    const p = period('2026-11');
    // By hand: one host, three checks, two pass.
    const handKeys = new Set([one, copy].flatMap((r) => r.results.map((x) => `${x.host}|${x.check}`)));
    expect(handKeys.size).toBe(3);
    const s = computeInspection(emptyInput({ hosts: [host('web-01')], inspections: [one, copy] }), p, p.endMs);
    const f = s.figures.find((x) => x.id === 'inspection.compliance')!;
    expect([f.numerator, f.denominator]).toEqual([2, 3]);
    expect(s.figures.find((x) => x.id === 'inspection.runs')!.value).toBe(1);
  });
});
