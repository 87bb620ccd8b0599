import { describe, expect, it } from 'vitest';
import { planChange } from '../../scripts/change/plan.ts';
import { evaluatePreconditions, type ApplyFacts } from '../../scripts/change/preconditions.ts';
import { accountedMarkers, planResume, planRetry, readRunState } from '../../scripts/change/resume.ts';
import { windowVerdict } from '../../scripts/change/window-gate.ts';
import { runOutcomeOf } from '../../scripts/model/outcome.ts';
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
    const f: ApplyFacts = {
      ...ok,
      change: { ...ok.change, type: 'emergency' },
      now: new Date('2026-12-01T20:00:00Z'),
      freezes: [{ id: 'f', title: 't', end: 'x' }],
      override: { reason: 'payment outage INC-2026-0050' },
    };
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
      id: 'CHG-1',
      file: 'c.yaml',
      sha256: 'x',
      data: {
        id: 'CHG-1',
        title: 't',
        type: 'normal',
        risk: 'low',
        requester: 'a',
        implementer: 'a',
        purpose: 'p',
        impact: { description: 'd', expected_downtime_minutes: 0 },
        targets: { hosts: ['h1', 'h2', 'h3'] },
        window: { start: 'a', end: 'b' },
        steps: [
          { id: 's1', kind: 'run', argv: ['a'] },
          { id: 's2', kind: 'run', argv: ['b'] },
          { id: 's3', kind: 'run', argv: ['c'], idempotent: true },
        ],
      },
    },
    hosts: ['h1', 'h2', 'h3'].map((id) => ({ id, data: { groups: [] } })),
    files: new Map(),
    access: { people: [], roles: [], grants: [] },
    now,
  });
  it('skips completed steps, reruns an interrupted idempotent step, stops on an interrupted one that is not', () => {
    const lines = chain([
      { type: 'run.planned', run: 'r1' },
      { type: 'host.started', host: 'h1' },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's1' },
      { type: 'step.done', host: 'h1', phase: 'step', step: 's1', ok: true },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's2' },
      { type: 'step.done', host: 'h1', phase: 'step', step: 's2', ok: true },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's3' },
      { type: 'step.executing', host: 'h2', phase: 'step', step: 's1' },
      { type: 'step.done', host: 'h2', phase: 'step', step: 's1', ok: true },
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
  it('a dead-man timer armed and never answered is confirmed first by a resume and carried by a retry; an answered one is not', () => {
    const lines = chain([
      { type: 'run.planned', run: 'r1' },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's1' },
      { type: 'step.done', host: 'h1', phase: 'step', step: 's1', ok: true },
      { type: 'confirm.armed', host: 'h1', ok: true, id: 'c-h1', by: 's1' },
      { type: 'step.executing', host: 'h2', phase: 'step', step: 's1' },
      { type: 'step.done', host: 'h2', phase: 'step', step: 's1', ok: true },
      { type: 'confirm.armed', host: 'h2', ok: true, id: 'c-h2', by: 's1' },
      { type: 'confirm.done', host: 'h2', id: 'c-h2', confirmed: true },
      { type: 'confirm.armed', host: 'h3', ok: false, why: 'no room' },
    ]);
    const state = readRunState(lines);
    const r = new Map(planResume(plan, state).map((h) => [h.host, h]));
    expect(r.get('h1')!.confirms).toEqual(['c-h1']);
    expect(r.get('h1')!.skip.has('step:s1')).toBe(true);
    expect(r.get('h2')!.confirms).toBeUndefined();
    expect(r.get('h3')!.confirms).toBeUndefined();
    const retry = planRetry(plan, [{ run: 'r1', state }], false);
    expect(retry.state.hosts.get('h1')!.openConfirms).toEqual(['c-h1']);
    expect(retry.state.hosts.get('h2')!.openConfirms).toBeUndefined();
  });
  it('a person resolving the step lets the run go on; finished hosts are not touched', () => {
    const lines = chain([
      { type: 'run.planned', run: 'r1' },
      { type: 'step.executing', host: 'h1', phase: 'step', step: 's1' },
      { type: 'step.resolved', host: 'h1', phase: 'step', step: 's1', resolution: 'done' },
      { type: 'host.done', host: 'h2', outcome: 'succeeded' },
      { type: 'step.executing', host: 'h3', phase: 'step', step: 's1' },
      { type: 'step.done', host: 'h3', phase: 'step', step: 's1', ok: false },
      { type: 'run.done', outcome: 'needs_attention' },
    ]);
    const r = new Map(planResume(plan, readRunState(lines)).map((h) => [h.host, h]));
    expect(r.get('h1')!.unknown).toEqual([]);
    expect(r.get('h1')!.skip.has('step:s1')).toBe(true);
    expect(r.get('h2')!.finished).toBe('succeeded');
    expect(r.get('h3')!.inRollback).toBe(true);
  });
});

describe('markers on the host against the records', () => {
  const plan = planChange({
    change: {
      id: 'CHG-1',
      file: 'c.yaml',
      sha256: 'x',
      data: {
        id: 'CHG-1',
        title: 't',
        type: 'normal',
        risk: 'low',
        requester: 'a',
        implementer: 'a',
        purpose: 'p',
        impact: { description: 'd', expected_downtime_minutes: 0 },
        targets: { hosts: ['h1'] },
        window: { start: 'a', end: 'b' },
        prechecks: [{ id: 'pre', argv: ['true'] }],
        steps: [
          { id: 's1', kind: 'run', argv: ['a'] },
          { id: 's2', kind: 'run', argv: ['b'] },
          { id: 's3', kind: 'run', argv: ['c'] },
        ],
      },
    },
    hosts: [{ id: 'h1', data: { groups: [] } }],
    files: new Map(),
    access: { people: [], roles: [], grants: [] },
    now,
  });
  const view = (current: Record<string, string>, unaccounted: Array<{ run: string; key: string; state: string }> = []) => new Map([['h1', { current: new Map(Object.entries(current)), unaccounted }]]);

  it('a recorded start with no marker on the host never started: it runs; with a marker it is unknown', () => {
    const state = readRunState(
      chain([
        { type: 'run.planned', run: 'r1' },
        { type: 'step.executing', host: 'h1', phase: 'step', step: 's1' },
      ]),
    );
    const none = planResume(plan, state, view({}))[0]!;
    expect(none.notStarted.map((a) => a.id)).toEqual(['s1']);
    expect(none.unknown).toEqual([]);
    const marked = planResume(plan, state, view({ 'step.s1': 'ended 0 n' }, [{ run: 'r1', key: 'step.s1', state: 'ended 0 n' }]))[0]!;
    expect(marked.unknown.map((u) => u.action.id)).toEqual(['s1']);
    expect(marked.notStarted).toEqual([]);
  });

  it('a marker no record accounts for makes its step unknown, even with no record at all', () => {
    const r = planResume(plan, undefined, view({}, [{ run: 'lost', key: 'step.s2', state: 'ended 0 n' }]))[0]!;
    expect(r.unknown).toEqual([expect.objectContaining({ markerRun: 'lost', evidence: expect.stringContaining("marker 'ended 0 n' from run lost") })]);
  });

  it("a record accounts for a marker by the step's end or by a person's resolution, in any run", () => {
    const lines = chain([
      { type: 'run.planned', run: 'r2' },
      { type: 'step.done', host: 'h1', phase: 'step', step: 's1', ok: true, outcome: 'succeeded' },
      { type: 'step.done', host: 'h1', phase: 'step', step: 's2', ok: false, outcome: 'unknown' },
      { type: 'step.resolved', host: 'h1', phase: 'step', step: 's3', resolution: 'done', marker_run: 'r1' },
    ]);
    expect([...accountedMarkers([{ run: 'r2', lines }])].sort()).toEqual(['r1|h1|step.s3', 'r2|h1|step.s1']);
  });

  it('once a step took effect the prechecks no longer apply', () => {
    const state = readRunState(
      chain([
        { type: 'run.planned', run: 'r1' },
        { type: 'step.resolved', host: 'h1', phase: 'step', step: 's1', resolution: 'done' },
      ]),
    );
    expect(planResume(plan, state, view({}))[0]!.skip).toEqual(new Set(['step:s1', 'precheck:pre']));
  });

  it('a retry: succeeded hosts finish, clean hosts start over, part-way hosts keep what they did, a failed rollback puts it in doubt', () => {
    const run = (events: Array<Record<string, unknown>>) => readRunState(chain([{ type: 'run.planned', run: 'r1' }, ...events]));
    const plan3 = { ...plan, hosts: ['a', 'b', 'c', 'd'].map((h) => ({ ...plan.hosts[0]!, host: h })) };
    const earlier = [
      {
        run: 'r1',
        state: run([
          { type: 'host.done', host: 'a', outcome: 'succeeded' },
          { type: 'step.done', host: 'b', phase: 'step', step: 's1', ok: true },
          { type: 'host.done', host: 'b', outcome: 'rolled_back' },
          { type: 'step.done', host: 'c', phase: 'step', step: 's1', ok: true },
          { type: 'step.done', host: 'c', phase: 'step', step: 's2', ok: false },
          { type: 'host.done', host: 'c', outcome: 'unreachable' },
          { type: 'step.done', host: 'd', phase: 'step', step: 's1', ok: true },
          { type: 'rollback.started', host: 'd' },
          { type: 'host.done', host: 'd', outcome: 'rollback_failed' },
        ]),
      },
    ];
    const r = planRetry(plan3, earlier, false);
    expect(r.state.hosts.get('a')?.outcome).toBe('succeeded');
    expect(r.state.hosts.has('b')).toBe(false);
    expect([...r.state.hosts.get('c')!.actions]).toEqual([['step:s1', 'succeeded']]);
    expect([...r.state.hosts.get('d')!.actions]).toEqual([['step:s1', 'unknown']]);
    expect(planRetry(plan3, earlier, true).state.hosts.has('a')).toBe(false);
  });
});

describe('run outcome from host outcomes', () => {
  it.each<[Record<string, string>, boolean, string]>([
    [{ a: 'succeeded', b: 'succeeded' }, false, 'succeeded'],
    [{ a: 'succeeded', b: 'rolled_back' }, false, 'failed'],
    [{ a: 'rolled_back', b: 'not_started' }, false, 'rolled_back'],
    [{ a: 'rolled_back', b: 'rollback_failed' }, false, 'failed'],
    [{ a: 'succeeded', b: 'needs_attention' }, false, 'needs_attention'],
    [{ a: 'succeeded', b: 'not_started' }, true, 'window_closed'],
    [{ a: 'needs_attention', b: 'not_started' }, true, 'needs_attention'],
  ])('%j (window closed: %s) → %s', (hosts, windowClosed, want) => {
    expect(runOutcomeOf(hosts, { maxFailures: 0, windowClosed })).toBe(want);
  });
  it('partial when failures stay within max_failures', () => {
    expect(runOutcomeOf({ a: 'succeeded', b: 'rolled_back' }, { maxFailures: 1, windowClosed: false })).toBe('partial');
  });
});

describe('window verdict before every batch and step', () => {
  const change = { window: { start: '2026-12-01T14:00:00Z', end: '2026-12-01T16:00:00Z' }, type: 'normal' as const };
  const calendar = {
    id: 'calendar',
    timezone: 'UTC',
    maintenance_windows: [],
    freezes: [{ id: 'f', title: 'freeze', start: '2026-12-01T15:00:00Z', end: '2026-12-01T15:30:00Z', allow_types: ['emergency' as const] }],
  } as unknown as Parameters<typeof windowVerdict>[1];
  it.each<[string, boolean, RegExp | undefined]>([
    ['2026-12-01T14:30:00Z', true, undefined],
    ['2026-12-01T15:10:00Z', false, /freeze 'f'/],
    ['2026-12-01T16:00:00Z', false, /window closed at/],
    ['2026-12-01T13:59:59Z', false, /window opens at/],
  ])('at %s', (at, ok, why) => {
    const v = windowVerdict(change, calendar, new Date(at));
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.reason).toMatch(why!);
  });
  it('a step starts only if it would end, at its timeout, before the window closes and before a freeze begins', () => {
    const at = (iso: string, minutes: number) => windowVerdict(change, calendar, new Date(iso), minutes * 60_000);
    expect(at('2026-12-01T15:50:00Z', 5).ok).toBe(true);
    expect(at('2026-12-01T15:50:00Z', 10).ok).toBe(true);
    expect(at('2026-12-01T15:50:00Z', 15)).toMatchObject({ ok: false, reason: expect.stringMatching(/could run until 2026-12-01T16:05:00.000Z \(timeout 900 s\), after the window closes/) });
    expect(at('2026-12-01T14:50:00Z', 15)).toMatchObject({ ok: false, reason: expect.stringMatching(/could run until .* into freeze 'f'/) });
    expect(at('2026-12-01T14:40:00Z', 20).ok).toBe(true);
  });
});
