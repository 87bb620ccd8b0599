/**
 * Never outrun the window, retry only what did not succeed: a window that
 * closes (or a freeze that begins) mid-rollout, with the clock injected — no
 * real waiting — and retries of a failed change with and without
 * --rerun-succeeded. Counters on the hosts are the ground truth.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyChange } from '../../scripts/change/apply-change.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { writeFile } from 'node:fs/promises';
import { cliIn, count, counting, homeFile, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const HOSTS = ['w-1', 'w-2', 'w-3', 'w-4', 'x-1', 'x-2', 'x-3', 'f-1', 'f-2', 'o-1', 'r-1', 'r-2', 'r-3'];
let fleet: RunningFleet;
let repo: TestRepo;
const HOUR = 3_600_000;
const start = Date.parse('2026-12-01T14:00:00Z');
const window = { start: '2026-12-01T14:00:00Z', end: '2026-12-01T15:00:00Z' };

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: HOSTS.map((id) => ({ id })) });
  repo = await makeRepo(fleet, { calendar: { freezes: [{ id: 'year-end', title: 'year end', start: '2026-12-02T14:30:00Z', end: '2026-12-02T16:00:00Z', allow_types: ['emergency'] }] } });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

/** A clock that stands still until the test moves it. */
function clock(at: number) {
  let t = at;
  return {
    now: () => new Date(t),
    set: (ms: number) => {
      t = ms;
    },
  };
}
const apply = async (id: string, now: () => Date, extra: Record<string, unknown> = {}) =>
  applyChange({ repo: await readRepo(repo.root), changeId: id, env: { OPSGATE_DEFAULT_BRANCH: 'main' }, now, identityFile: fleet.clientKeyPath, ...extra });

MACHINE.describe('the window and freezes, checked before every batch and step', () => {
  it('a window that closes after the canary: batch 2 never starts, the run records window_closed, done hosts stay (on_window_end: stop)', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0201', {
        window,
        targets: { hosts: ['w-1', 'w-2', 'w-3', 'w-4'] },
        steps: [counting('a'), counting('b')],
        rollout: { canary: 1, batch_size: 2, max_failures: 0, pause_seconds: 600 },
      }),
      201,
    );
    const c = clock(start + 10 * 60_000);
    let slept = 0;
    const r = await apply('CHG-2026-0201', c.now, {
      // The pause between batches passes in the injected clock only: the window closes during it.
      sleep: async (ms: number) => {
        slept += ms;
        c.set(start + HOUR + 1000);
      },
    });
    expect(slept).toBe(600_000);
    expect(r.status).toBe('window_closed');
    expect(r.result?.hosts).toEqual({ 'w-1': 'succeeded', 'w-2': 'not_started', 'w-3': 'not_started', 'w-4': 'not_started' });
    for (const h of ['w-2', 'w-3', 'w-4']) expect(await count(fleet, h, 'a')).toBe(0);
    expect([await count(fleet, 'w-1', 'a'), await count(fleet, 'w-1', 'b')]).toEqual([1, 1]);
    const ev = await records(repo, 'CHG-2026-0201');
    expect(ev.find((e) => e.type === 'rollout.stopped')).toMatchObject({ code: 'window_closed', batches_not_started: [2, 3] });
    expect(ev.filter((e) => e.type === 'batch.started')).toHaveLength(1);
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'window_closed' });
  }, 60_000);

  it('a window that closes between two steps of a host: the next step does not start; on_window_end: rollback undoes every changed host', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0202', {
        window,
        targets: { hosts: ['x-1', 'x-2', 'x-3'] },
        steps: [counting('a'), counting('b')],
        rollback: [counting('undo')],
        rollout: { canary: 1, batch_size: 2, max_failures: 0, on_window_end: 'rollback' },
      }),
      202,
    );
    const c = clock(start + 10 * 60_000);
    const r = await apply('CHG-2026-0202', c.now, {
      onEvent: (e: Record<string, unknown>) => {
        if (e.type === 'step.done' && e.host === 'x-2' && e.step === 'a') c.set(start + HOUR);
      },
      concurrency: 1,
    });
    expect(r.status).toBe('window_closed');
    // x-1 (canary) finished, x-2 stopped after step a, x-3 never started; both changed hosts rolled back.
    expect([await count(fleet, 'x-1', 'a'), await count(fleet, 'x-1', 'b'), await count(fleet, 'x-1', 'undo')]).toEqual([1, 1, 1]);
    expect([await count(fleet, 'x-2', 'a'), await count(fleet, 'x-2', 'b'), await count(fleet, 'x-2', 'undo')]).toEqual([1, 0, 1]);
    expect([await count(fleet, 'x-3', 'a'), await count(fleet, 'x-3', 'undo')]).toEqual([0, 0]);
    expect(r.result?.hosts).toMatchObject({ 'x-1': 'rolled_back', 'x-2': 'rolled_back', 'x-3': 'not_started' });
    const ev = await records(repo, 'CHG-2026-0202');
    expect(ev.find((e) => e.type === 'window.closed')).toMatchObject({ host: 'x-2', before_step: 'b' });
  }, 60_000);

  it('a step that could outrun the window at its timeout does not start: the short one runs, the long one waits for another window', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0204', { window, targets: { hosts: ['o-1'] }, steps: [counting('short', { timeout_seconds: 60 }), counting('long', { timeout_seconds: 900 })] }), 204);
    const c = clock(start + HOUR - 5 * 60_000);
    const r = await apply('CHG-2026-0204', c.now);
    expect(r.status).toBe('window_closed');
    expect([await count(fleet, 'o-1', 'short'), await count(fleet, 'o-1', 'long')]).toEqual([1, 0]);
    expect(r.result?.hosts).toEqual({ 'o-1': 'window_closed' });
    const ev = await records(repo, 'CHG-2026-0204');
    expect(ev.find((e) => e.type === 'window.closed')).toMatchObject({
      host: 'o-1',
      before_step: 'long',
      reason: expect.stringMatching(/could run until 2026-12-01T15:10:00.000Z \(timeout 900 s\), after the window closes at 2026-12-01T15:00:00Z/),
    });
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'window_closed' });
  }, 60_000);

  it('a freeze that begins mid-rollout stops it the same way', async () => {
    const fwindow = { start: '2026-12-02T14:00:00Z', end: '2026-12-02T15:00:00Z' };
    await repo.mergeChange(changeDoc('CHG-2026-0203', { window: fwindow, targets: { hosts: ['f-1', 'f-2'] }, steps: [counting('a')], rollout: { canary: 1, batch_size: 1, max_failures: 0 } }), 203);
    const c = clock(Date.parse('2026-12-02T14:10:00Z'));
    const r = await apply('CHG-2026-0203', c.now, {
      onEvent: (e: Record<string, unknown>) => {
        if (e.type === 'host.done' && e.host === 'f-1') c.set(Date.parse('2026-12-02T14:31:00Z'));
      },
    });
    expect(r.status).toBe('window_closed');
    expect([await count(fleet, 'f-1', 'a'), await count(fleet, 'f-2', 'a')]).toEqual([1, 0]);
    expect((await records(repo, 'CHG-2026-0203')).find((e) => e.type === 'rollout.stopped')).toMatchObject({ reason: expect.stringContaining("freeze 'year-end'") });
  }, 60_000);
});

MACHINE.describe('retrying a failed change', () => {
  it('runs again only on hosts that did not succeed; --rerun-succeeded runs everywhere and names the steps that run again', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0211', {
        targets: { hosts: ['r-1', 'r-2', 'r-3'] },
        // Fails on r-2 until the file the test creates there exists.
        steps: [counting('a'), { id: 'check', kind: 'run', idempotent: true, argv: ['sh', '-c', 'test "$(hostname)" != r-2 || test -e "$HOME/fixed"'] }, counting('c')],
        rollback: [counting('undo')],
        rollout: { canary: 1, batch_size: 2, max_failures: 1 },
      }),
      211,
    );
    const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
    const first = await cli('apply', 'CHG-2026-0211');
    expect(first.code).toBe(1);
    expect([await count(fleet, 'r-1', 'a'), await count(fleet, 'r-2', 'a'), await count(fleet, 'r-2', 'undo'), await count(fleet, 'r-3', 'a')]).toEqual([1, 1, 1, 1]);

    await writeFile(homeFile(fleet, 'r-2', 'fixed'), '');
    const dry = await cli('apply', 'CHG-2026-0211', '--dry-run');
    expect(dry.out).toMatch(/retry of run .*: skips r-1, r-3 \(succeeded\)/);
    const retry = await cli('apply', 'CHG-2026-0211');
    expect(retry.code, retry.out + retry.err).toBe(0);
    expect([await count(fleet, 'r-1', 'a'), await count(fleet, 'r-2', 'a'), await count(fleet, 'r-2', 'c'), await count(fleet, 'r-3', 'a')]).toEqual([1, 2, 1, 1]);
    const ev = await records(repo, 'CHG-2026-0211');
    // The retry's run is the later one; run ids of one second sort by their random suffix, so order by time.
    const byTime = (xs: Array<Record<string, unknown>>) => [...xs].sort((a, b) => String(a.at).localeCompare(String(b.at)));
    expect(byTime(ev.filter((e) => e.type === 'run.planned')).at(-1)).toMatchObject({ skipped_succeeded: { 'r-1': expect.any(String), 'r-3': expect.any(String) } });

    // Once it succeeded, a retry is refused.
    expect((await cli('apply', 'CHG-2026-0211')).err).toContain('apply.already-succeeded');

    // The same shape again; this time the retry runs everywhere, and says which steps run a second time.
    await repo.mergeChange(
      changeDoc('CHG-2026-0212', {
        targets: { hosts: ['r-1', 'r-2', 'r-3'] },
        steps: [counting('d'), { id: 'check', kind: 'run', idempotent: true, argv: ['sh', '-c', 'test "$(hostname)" != r-2 || test -e "$HOME/fixed2"'] }],
        rollout: { canary: 1, batch_size: 2, max_failures: 1 },
      }),
      212,
    );
    expect((await cli('apply', 'CHG-2026-0212')).code).toBe(1);
    await writeFile(homeFile(fleet, 'r-2', 'fixed2'), '');
    const dry2 = await cli('apply', 'CHG-2026-0212', '--dry-run', '--rerun-succeeded');
    expect(dry2.out).toMatch(/runs again on r-1, r-3 \(succeeded before\)/);
    expect(dry2.out).toContain('r-1: non-idempotent steps that run again: d');
    const again = await cli('apply', 'CHG-2026-0212', '--rerun-succeeded');
    expect(again.code, again.out + again.err).toBe(0);
    expect([await count(fleet, 'r-1', 'd'), await count(fleet, 'r-2', 'd'), await count(fleet, 'r-3', 'd')]).toEqual([2, 2, 2]);
    expect(byTime((await records(repo, 'CHG-2026-0212')).filter((e) => e.type === 'run.planned')).at(-1)).toMatchObject({ rerun_succeeded: { 'r-1': ['d'], 'r-3': ['d'] } });
  }, 120_000);
});
