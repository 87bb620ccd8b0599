import { describe, expect, it } from 'vitest';
import { planChange } from '../../scripts/change/plan.ts';
import { evaluatePreconditions, type ApplyFacts } from '../../scripts/change/preconditions.ts';
import { planResume, readRunState } from '../../scripts/change/resume.ts';
import { GENESIS, renderRecordLine, type RecordLine } from '../../scripts/records/chain.ts';

const now = new Date('2026-12-01T15:00:00Z');
const ok: ApplyFacts = {
  change: { id: 'CHG-1', type: 'normal', window: { start: '2026-12-01T14:00:00Z', end: '2026-12-01T16:00:00Z' }, closed: false },
  now,
  git: { branch: 'main', defaultBranch: 'main', tracked: true, modified: [] },
  gate: { pr: 7, decision: { status: 'satisfied', pr: 7, file: 'records/gate/o/r/pr-7.jsonl:1' } },
  freezes: [],
  runs: [],
  resume: false,
};

describe('evaluatePreconditions', () => {
  it('allows a merged, approved change inside its window', () => {
    expect(evaluatePreconditions(ok)).toEqual([]);
  });
  it.each<[string, Partial<ApplyFacts>, string]>([
    ['feature branch', { git: { ...ok.git, branch: 'feature' } }, 'apply.not-default-branch'],
    ['detached', { git: { ...ok.git, branch: undefined as unknown as string } }, 'apply.not-default-branch'],
    ['edited locally', { git: { ...ok.git, modified: ['changes/2026/CHG-1.yaml'] } }, 'apply.modified'],
    ['not committed', { git: { ...ok.git, tracked: false } }, 'apply.not-committed'],
    ['no decision', { gate: { pr: 7 } }, 'apply.gate-missing'],
    ['pending', { gate: { pr: 7, decision: { status: 'pending', pr: 7, file: 'x' } } }, 'apply.not-approved'],
    ['unreadable gate', { gate: { problem: 'records/gate/x does not verify' } }, 'apply.gate-unknown'],
    ['too early', { now: new Date('2026-12-01T13:59:59Z') }, 'apply.outside-window'],
    ['window end is exclusive', { now: new Date('2026-12-01T16:00:00Z') }, 'apply.outside-window'],
    ['freeze', { freezes: [{ id: 'f', title: 'New year', end: '2027-01-02T00:00:00Z' }] }, 'apply.freeze'],
    ['succeeded', { runs: [{ run: 'r1', outcome: 'succeeded' }] }, 'apply.already-succeeded'],
    ['unfinished without --resume', { runs: [{ run: 'r1' }] }, 'apply.unfinished-run'],
    ['resume with nothing to resume', { resume: true }, 'apply.nothing-to-resume'],
    ['override of a normal change', { override: { reason: 'the site is down for everyone' } }, 'apply.override-refused'],
    ['closed', { change: { ...ok.change, closed: true } }, 'apply.closed'],
  ])('refuses: %s', (_name, patch, code) => {
    expect(evaluatePreconditions({ ...ok, ...patch }).map((r) => r.code)).toContain(code);
  });
  it('lets an emergency change with a reason override the window and a freeze, not the gate', () => {
    const f: ApplyFacts = { ...ok, change: { ...ok.change, type: 'emergency' }, now: new Date('2026-12-01T20:00:00Z'), freezes: [{ id: 'f', title: 't', end: 'x' }], override: { reason: 'payment outage INC-2026-0050' } };
    expect(evaluatePreconditions(f)).toEqual([]);
    expect(evaluatePreconditions({ ...f, gate: { pr: 7 } }).map((r) => r.code)).toEqual(['apply.gate-missing']);
    expect(evaluatePreconditions({ ...f, override: { reason: 'x' } }).map((r) => r.code)).toContain('apply.override-refused');
  });
});

function chain(events: Array<Record<string, unknown>>): RecordLine[] {
  let head = GENESIS;
  return events.map((e, i) => {
    const line = renderRecordLine(head, i + 1, { at: '2026-12-01T15:00:00Z', type: String(e.type), ...e });
    head = line.hash;
    return JSON.parse(line.text) as RecordLine;
  });
}

describe('resume', () => {
  const plan = planChange({
    change: {
      id: 'CHG-1', file: 'c.yaml', sha256: 'x',
      data: {
        id: 'CHG-1', title: 't', type: 'normal', risk: 'low', requester: 'a', implementer: 'a', purpose: 'p', impact: { description: 'd', expected_downtime_minutes: 0 },
        targets: { hosts: ['h1', 'h2', 'h3'] }, window: { start: 'a', end: 'b' },
        steps: [{ id: 's1', kind: 'run', argv: ['a'] }, { id: 's2', kind: 'run', argv: ['b'] }, { id: 's3', kind: 'run', argv: ['c'], idempotent: true }],
      },
    },
    hosts: ['h1', 'h2', 'h3'].map((id) => ({ id, data: { groups: [] } })),
    files: new Map(), access: { people: [], roles: [], grants: [] }, now,
  });
  it('skips completed steps, reruns an interrupted idempotent step, stops on an interrupted one that is not', () => {
    const lines = chain([
      { type: 'run.planned', run: 'r1' },
      { type: 'host.started', host: 'h1' },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's1' }, { type: 'step.done', host: 'h1', phase: 'step', step: 's1', ok: true },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's2' }, { type: 'step.done', host: 'h1', phase: 'step', step: 's2', ok: true },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's3' },
      { type: 'step.executing', host: 'h2', phase: 'step', step: 's1' }, { type: 'step.done', host: 'h2', phase: 'step', step: 's1', ok: true },
      { type: 'step.executing', host: 'h2', phase: 'step', step: 's2' },
    ]);
    const state = readRunState(lines);
    expect(state.outcome).toBeUndefined();
    const r = new Map(planResume(plan, state).map((h) => [h.host, h]));
    expect([...r.get('h1')!.skip]).toEqual(['step:s1', 'step:s2']);
    expect(r.get('h1')!.rerun.map((a) => a.id)).toEqual(['s3']);
    expect(r.get('h1')!.unknown).toEqual([]);
    expect(r.get('h2')!.unknown.map((u) => u.action.id)).toEqual(['s2']);
    expect(r.get('h3')!.skip.size).toBe(0);
  });
  it('a person resolving the step lets the run go on; finished hosts are not touched', () => {
    const lines = chain([
      { type: 'run.planned', run: 'r1' },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's1' },
      { type: 'step.resolved', host: 'h1', phase: 'step', step: 's1', resolution: 'done' },
      { type: 'host.done', host: 'h2', outcome: 'succeeded' },
      { type: 'step.executing', host: 'h3', phase: 'step', step: 's1' }, { type: 'step.done', host: 'h3', phase: 'step', step: 's1', ok: false },
      { type: 'run.done', outcome: 'needs_attention' },
    ]);
    const r = new Map(planResume(plan, readRunState(lines)).map((h) => [h.host, h]));
    expect(r.get('h1')!.unknown).toEqual([]);
    expect(r.get('h1')!.skip.has('step:s1')).toBe(true);
    expect(r.get('h2')!.finished).toBe('succeeded');
    expect(r.get('h3')!.inRollback).toBe(true);
  });
});
