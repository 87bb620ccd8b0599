import { describe, expect, it } from 'vitest';
import { evaluateReview, type ReviewInput } from '../../scripts/change/review.ts';
import type { ChangeDocument } from '../../scripts/model/documents.generated.ts';

const data: ChangeDocument = {
  id: 'CHG-1',
  title: 't',
  type: 'normal',
  risk: 'low',
  requester: 'a',
  implementer: 'alice',
  purpose: 'p',
  impact: { description: 'd', expected_downtime_minutes: 0 },
  targets: { hosts: ['h'] },
  window: { start: '2026-11-01T00:00:00Z', end: '2026-11-01T02:00:00Z' },
  steps: [{ id: 's', kind: 'run', argv: ['true'] }],
};
const closure = { outcome: 'succeeded' as const, closed_at: '2026-11-02T00:00:00Z', deviations: '', reviewed_by: 'bob' };
const base = (patch: Partial<ChangeDocument> = {}, extra: Partial<ReviewInput> = {}): ReviewInput => ({
  change: { id: 'CHG-1', file: 'changes/2026/CHG-1.yaml', data: { ...data, ...patch } },
  runs: [{ run: 'r1', outcome: 'succeeded', at: '2026-11-01T01:00:00Z' }],
  incidentsCausedBy: [],
  incidentIds: new Set(['INC-1']),
  now: new Date('2026-11-10T00:00:00Z'),
  ...extra,
});
const codes = (i: ReviewInput) => evaluateReview(i).map((d) => d.code);

describe('evaluateReview', () => {
  it('accepts a closure that agrees with the records', () => {
    expect(codes(base({ closure }))).toEqual([]);
  });
  it.each<[string, ReviewInput, string]>([
    ['ran, no closure after the grace period', base(), 'review.missing'],
    ['succeeded but the run failed', base({ closure }, { runs: [{ run: 'r1', outcome: 'failed', at: '2026-11-01T01:00:00Z' }] }), 'review.outcome-mismatch'],
    ['rolled back without deviations', base({ closure: { ...closure, outcome: 'rolled_back' } }, { runs: [{ run: 'r1', outcome: 'failed' }] }), 'review.deviations-empty'],
    ['closed before the run ended', base({ closure: { ...closure, closed_at: '2026-11-01T00:30:00Z' } }), 'review.closed-before-run'],
    ['self review', base({ closure: { ...closure, reviewed_by: 'alice' } }), 'review.self-review'],
    ['unknown incident', base({ closure: { ...closure, incidents_caused: ['INC-9'] } }), 'review.unknown-incident'],
    ['incident blaming the change not listed', base({ closure }, { incidentsCausedBy: ['INC-1'] }), 'review.incident-not-listed'],
    ['closed without any run', base({ closure }, { runs: [] }), 'review.no-run'],
  ])('%s', (_n, input, code) => {
    expect(codes(input)).toContain(code);
  });
  it.each<[string, ReviewInput['runs'], string, boolean]>([
    // The records decide: a precheck failure on the canary changed nothing, so "partial" contradicts them.
    ['partial, but no host kept the change', [{ run: 'r1', outcome: 'failed', hosts: { 'web-01': 'precheck_failed', 'web-02': 'not_started' } }], 'partial', true],
    ['failed, and no host kept the change', [{ run: 'r1', outcome: 'failed', hosts: { 'web-01': 'precheck_failed', 'web-02': 'not_started' } }], 'failed', false],
    ['rolled back, the canary was rolled back', [{ run: 'r1', outcome: 'failed', hosts: { 'app-02': 'rolled_back', 'app-01': 'not_started' } }], 'rolled_back', false],
    ['failed, but the canary was rolled back', [{ run: 'r1', outcome: 'failed', hosts: { 'app-02': 'rolled_back', 'app-01': 'not_started' } }], 'failed', true],
    ['succeeded, but one host failed', [{ run: 'r1', outcome: 'partial', hosts: { a: 'succeeded', b: 'rolled_back' } }], 'succeeded', true],
    ['partial, one host kept it', [{ run: 'r1', outcome: 'partial', hosts: { a: 'succeeded', b: 'rolled_back' } }], 'partial', false],
    [
      'succeeded after a failed first run',
      [
        { run: 'r1', outcome: 'failed', hosts: { a: 'precheck_failed' } },
        { run: 'r2', outcome: 'succeeded', hosts: { a: 'succeeded' } },
      ],
      'succeeded',
      false,
    ],
    ['anything, while the last run is in doubt', [{ run: 'r1', outcome: 'needs_attention' }], 'failed', true],
    ['rolled back, but a rollback failed', [{ run: 'r1', outcome: 'failed', hosts: { a: 'rollback_failed' } }], 'rolled_back', true],
  ])('closure %s', (_n, runs, outcome, mismatch) => {
    const closure2 = { ...closure, outcome: outcome as 'succeeded', deviations: 'written' };
    expect(codes(base({ closure: closure2 }, { runs })).includes('review.outcome-mismatch')).toBe(mismatch);
  });
  it('does not nag inside the grace period', () => {
    expect(codes(base({}, { now: new Date('2026-11-02T00:00:00Z') }))).toEqual([]);
  });
});
