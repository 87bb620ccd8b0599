import { describe, expect, it } from 'vitest';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { renderGithub, renderJson, renderText, type InspectionReport } from '../../scripts/inspect/render.ts';
import { summarize } from '../../scripts/inspect/results.ts';

const row = (host: string, check: string, status: InspectionRow['status'], extra: Partial<InspectionRow> = {}): InspectionRow => ({
  host,
  check,
  baseline: 'b',
  title: `title of ${check}`,
  severity: 'high',
  status,
  expected: 'e',
  observed: 'o',
  reason: status === 'pass' ? '' : `why ${check}`,
  evidence: 'cmd',
  ...extra,
});
const rows = [
  row('web-01', 'ssh.a', 'pass'),
  row('web-01', 'ssh.b', 'fail', { change: 'new', reason: 'line1\nline2: 100%\u001b[2J\r::warning::x' }),
  row('web-01', 'ssh.c', 'waived', { exception: 'exc-1', raw_status: 'fail' }),
  row('db-01', 'ssh.a', 'error', { reason: 'hostkey: refused' }),
];
const report: InspectionReport = {
  runId: 'INS-1',
  at: '2026-11-27T12:00:00+08:00',
  previousRun: 'INS-0',
  rows,
  summary: summarize(rows, 1, 2),
  hosts: [
    { host: 'db-01', reachable: false, error: { phase: 'hostkey', message: 'refused' }, durationMs: 5, rows: [rows[3]!] },
    { host: 'web-01', reachable: true, durationMs: 9, rows: rows.slice(0, 3) },
  ],
};

describe('inspection renderers', () => {
  it('text lists problems and waivers, not passes, unless verbose', () => {
    const t = renderText(report);
    expect(t).toMatch(/db-01 {2}ERROR {2}hostkey: refused/);
    expect(t).toMatch(/FAIL\s+ssh\.b .*\[new\]/);
    expect(t).toMatch(/WAIVED\s+ssh\.c .*\[exception exc-1\]/);
    expect(t).not.toMatch(/PASS\s+ssh\.a/);
    expect(renderText(report, { verbose: true })).toMatch(/PASS\s+ssh\.a/);
    expect(t).toMatch(/compliance 33\.3%/);
  });
  it('json carries the stable row shape', () => {
    const j = JSON.parse(renderJson(report)) as { results: InspectionRow[]; hosts: unknown[]; summary: { compliance: number } };
    expect(Object.keys(j.results[1]!)).toEqual(['host', 'check', 'baseline', 'title', 'severity', 'status', 'expected', 'observed', 'reason', 'evidence', 'change']);
    expect(j.summary.compliance).toBe(0.3333);
  });
  it('github annotations escape newlines and percent signs; the summary is a table', () => {
    const g = renderGithub(report);
    expect(g.annotations.split('\n').filter(Boolean)).toEqual([
      '::error title=web-01 ssh.b::title of ssh.b: line1 / line2: 100%25\\u001b[2J\\r::warning::x',
      '::error title=db-01 ssh.a::title of ssh.a: hostkey: refused',
    ]);
    expect(g.summary).toMatch(/\| web-01 \| `ssh\.b` \| high \| fail \|/);
    // Host output never starts a line of its own, nor reaches a terminal as control characters.
    for (const out of [g.summary, g.annotations, renderText(report, { verbose: true })]) {
      expect(out.split('\n').filter((l) => l.startsWith('::warning'))).toEqual([]);
      // eslint-disable-next-line no-control-regex -- the point: no escape character reaches the output
      expect(out).not.toMatch(/[\u001b\r]/);
    }
  });
});
