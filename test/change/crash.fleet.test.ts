/**
 * Never run a step twice, never leak: SIGKILL of the controller at every
 * phase of a run, records lost or reset to the last commit, a timed-out step
 * (with and without sudo) whose late output never appears, and a host lock
 * that lives as long as the step's process tree. Counters on the hosts are
 * the ground truth. Each test has its own hosts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { blocking, cliIn, count, counting, hostProcesses, homeFile, readHome, records, spawnDriver, waitFor } from './fleet-helpers.ts';
import { changeDoc, git, makeRepo, type TestRepo } from './harness.ts';

const PHASES = ['executing', 'mid-step', 'done', 'host-done', 'rollback'] as const;
let fleet: RunningFleet;
let repo: TestRepo;
let pr = 100;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, ...(args[0] === 'apply' ? ['--identity', fleet.clientKeyPath] : []));

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
/** The machine's cgroup2 mount options: a cgroup2 mount anywhere (a fleet host's) resets them for the whole machine. */
const cgroup2Options = () =>
  execFileSync('sh', ['-c', 'grep -m1 " cgroup2 " /proc/1/mounts || :'], { encoding: 'utf8' })
    .split(' ')[3]
    ?.split(',')
    .filter((o) => !['rw', 'relatime'].includes(o))
    .join(',');

let machineCgroup2: string | undefined;
beforeAll(async () => {
  if (!MACHINE.runs) return;
  machineCgroup2 = cgroup2Options();
  fleet = await startFleet({
    mutates: true,
    hosts: [
      ...PHASES.map((p) => ({ id: `kp-${p}` })),
      { id: 'kr-lost' },
      { id: 'kr-cut' },
      { id: 'kr-tail' },
      { id: 'to-user' },
      { id: 'to-root' },
      { id: 'lk-1' },
      { id: 'lk-user' },
      { id: 'lk-root' },
      { id: 'td-user' },
      { id: 'td-root' },
      { id: 'ev-user' },
      { id: 'ev-root' },
      { id: 'te-user' },
      { id: 'te-root' },
    ],
  });
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

async function merge(id: string, fields: Record<string, unknown>) {
  await repo.mergeChange(changeDoc(id, fields), ++pr);
}

/** Repeats an apply while the host lock is still held by a step that is finishing on its own. */
async function untilFree(run: () => Promise<{ code: number; out: string; err: string }>) {
  let r = await run();
  for (let i = 0; i < 200 && r.err.includes('apply.host-locked'); i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await run();
  }
  return r;
}

/** Runs the crash driver until it kills itself at `killAt`, then kills what is left of it (its proxies). */
async function crashAt(change: string, killAt: string, commitAt = 'never', ...extra: string[]) {
  const d = spawnDriver(repo.root, change, fleet.clientKeyPath, killAt, commitAt, ...extra);
  const e = await d.exited;
  d.kill();
  expect(e.signal, d.output()).toBe('SIGKILL');
  return d;
}

MACHINE.describe('SIGKILL of the controller at each phase', () => {
  it.each(PHASES)(
    '%s: resume finishes the run and no step ran twice',
    async (phase) => {
      const host = `kp-${phase}`;
      const id = `CHG-2026-01${String(PHASES.indexOf(phase)).padStart(2, '0')}`;
      const steps = [counting('s1'), phase === 'mid-step' ? blocking('s2') : counting('s2'), counting('s3')];
      const rollback = [counting('rb1')];
      await merge(id, {
        targets: { hosts: [host] },
        steps: phase === 'rollback' ? [counting('s1'), { id: 's2', kind: 'run', argv: ['false'] }] : steps,
        rollback,
        verification: [{ id: 'v', argv: ['true'] }],
      });
      if (phase === 'mid-step') {
        const d = spawnDriver(repo.root, id, fleet.clientKeyPath, 'never');
        await waitFor(async () => (await count(fleet, host, 's2')) === 1, 'step s2 to start on the host');
        d.kill();
        await d.exited;
        await writeFile(homeFile(fleet, host, 'release-s2'), '');
        await waitFor(async () => (await count(fleet, host, 's2-end')) === 1, 'the orphaned step to finish on its own');
      } else {
        const killAt = { executing: 'step.executing:s2', done: 'step.done:s2', 'host-done': 'host.done', rollback: 'rollback.started' }[phase];
        await crashAt(id, killAt);
      }
      const before = (await records(repo, id)).at(-1)!;
      expect(before.type).not.toBe('run.done');

      const r = await untilFree(() => cli('apply', id, '--resume'));
      if (phase === 'mid-step') {
        // The step ran on the host but the record does not say how it ended: a person decides.
        expect(r.code).toBe(1);
        expect(r.out).toContain('stopped for a person');
        expect(r.out).toMatch(/kp-mid-step step:s2: .*marker/);
        expect((await records(repo, id)).at(-1)).toMatchObject({ type: 'run.done', outcome: 'needs_attention' });
        expect(await count(fleet, host, 's3')).toBe(0);
        const done = await cli('apply', id, '--resume', '--resolve', `${host}:step:s2=done`);
        expect(done.code, done.out + done.err).toBe(0);
      } else if (phase === 'rollback') {
        expect(r.code).toBe(1);
        expect((await records(repo, id)).filter((e) => e.type === 'host.done').at(-1)).toMatchObject({ outcome: 'rolled_back' });
      } else {
        expect(r.code, r.out + r.err).toBe(0);
      }
      for (const s of phase === 'rollback' ? ['s1', 'rb1'] : ['s1', 's2', 's3']) expect(await count(fleet, host, s), `${phase}: ${s}`).toBe(1);
      expect((await cli('records', 'verify')).code).toBe(0);
    },
    120_000,
  );
});

MACHINE.describe('records lost, cut or reset to the last commit', () => {
  it('records never committed: a new apply finds the markers and stops; nothing runs twice', async () => {
    const host = 'kr-lost';
    const id = 'CHG-2026-0110';
    await merge(id, { targets: { hosts: [host] }, steps: [counting('s1'), counting('s2'), counting('s3')] });
    await crashAt(id, 'step.done:s2');
    git(repo.root, 'clean', '-fdq', 'records');
    expect(existsSync(path.join(repo.root, 'records/changes', id))).toBe(false);

    const r = await cli('apply', id);
    expect(r.code).toBe(1);
    expect(r.out).toContain('stopped for a person');
    expect(r.out).toMatch(/kr-lost step:s1: .*marker 'ended 0/);
    expect(r.out).toMatch(/kr-lost step:s2: .*marker 'ended 0/);
    expect([await count(fleet, host, 's1'), await count(fleet, host, 's2'), await count(fleet, host, 's3')]).toEqual([1, 1, 0]);
    // The scheduled apply does not touch it either.
    expect((await cli('apply', '--due')).code).toBe(1);
    expect(await count(fleet, host, 's1')).toBe(1);

    const done = await cli('apply', id, '--resume', '--resolve', `${host}:step:s1=done`, '--resolve', `${host}:step:s2=done`);
    expect(done.code, done.out + done.err).toBe(0);
    expect([await count(fleet, host, 's1'), await count(fleet, host, 's2'), await count(fleet, host, 's3')]).toEqual([1, 1, 1]);
  }, 120_000);

  it('records reset to a commit made mid-run: --resume stops at the first step the commit does not cover', async () => {
    const host = 'kr-cut';
    const id = 'CHG-2026-0111';
    await merge(id, { targets: { hosts: [host] }, steps: [counting('s1'), counting('s2'), counting('s3')] });
    await crashAt(id, 'step.done:s3', 'step.done:s1');
    git(repo.root, 'checkout', '-q', '--', 'records');
    git(repo.root, 'clean', '-fdq', 'records');
    const ev = await records(repo, id);
    expect(ev.at(-1)).toMatchObject({ type: 'step.done', step: 's1' });

    const r = await cli('apply', id, '--resume');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/kr-cut step:s2: .*no record accounts for/);
    expect(r.out).toMatch(/kr-cut step:s3: .*no record accounts for/);
    expect([await count(fleet, host, 's1'), await count(fleet, host, 's2'), await count(fleet, host, 's3')]).toEqual([1, 1, 1]);
  }, 120_000);

  it('a run file whose last lines were deleted: the step they named is not run again', async () => {
    const host = 'kr-tail';
    const id = 'CHG-2026-0112';
    await merge(id, { targets: { hosts: [host] }, steps: [counting('s1'), counting('s2'), counting('s3')] });
    await crashAt(id, 'step.done:s2');
    const file = path.join(repo.root, 'records/changes', id, execFileSync('ls', [path.join(repo.root, 'records/changes', id)], { encoding: 'utf8' }).trim());
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    // Drop step.done and step.executing of s2: the chain still verifies, the file just ends earlier.
    const isS1Done = (l: string) => {
      const e = JSON.parse(l) as Record<string, unknown>;
      return e.type === 'step.done' && e.step === 's1';
    };
    while (!isS1Done(lines.at(-1)!)) lines.pop();
    await writeFile(file, lines.join('\n') + '\n');
    expect((await cli('records', 'verify')).code).toBe(0);

    const r = await cli('apply', id, '--resume');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/kr-tail step:s2: /);
    expect([await count(fleet, host, 's1'), await count(fleet, host, 's2'), await count(fleet, host, 's3')]).toEqual([1, 1, 0]);
  }, 120_000);
});

MACHINE.describe('timeouts and host locks', () => {
  it.each([
    ['to-user', false],
    ['to-root', true],
  ] as const)(
    '%s: a timed-out step is stopped on the host before rollback; its late output never appears',
    async (host, sudo) => {
      const id = sudo ? 'CHG-2026-0121' : 'CHG-2026-0120';
      const token = `og-late-${host}-${process.pid}`;
      const late = sudo ? `/home/opsgate/late-root` : '$HOME/late-user';
      await merge(id, {
        targets: { hosts: [host] },
        // A child in the background that outlives its parent, and a parent that ignores TERM: the whole group must go.
        steps: [
          {
            id: 'slow',
            kind: 'run',
            sudo,
            timeout_seconds: 1,
            argv: [
              'sh',
              '-c',
              `echo started; (while [ ! -e /home/opsgate/release ]; do sleep 0.05; done; echo late > ${late}; : ${token}) & trap '' TERM; while [ ! -e /home/opsgate/release ]; do sleep 0.05; done; echo late > ${late}; : ${token}`,
            ],
          },
        ],
        rollback: [counting('rb')],
      });
      const r = await cli('apply', id);
      expect(r.code).toBe(1);
      const ev = await records(repo, id);
      const done = ev.find((e) => e.type === 'step.done' && e.step === 'slow')!;
      expect(done).toMatchObject({ ok: false, outcome: 'timed_out', stdout: 'started\n' });
      expect(ev.findIndex((e) => e.type === 'rollback.started')).toBeGreaterThan(ev.indexOf(done));
      expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ outcome: 'rolled_back' });
      expect(await count(fleet, host, 'rb')).toBe(1);
      // Nothing of the step is left on the host, so releasing it cannot make it write.
      expect(hostProcesses(fleet, host, token)).toEqual([]);
      await writeFile(homeFile(fleet, host, 'release'), '');
      expect(hostProcesses(fleet, host, token)).toEqual([]);
      expect(await readHome(fleet, host, sudo ? 'late-root' : 'late-user')).toBeUndefined();
    },
    60_000,
  );

  it.each([
    ['td-user', false],
    ['td-root', true],
  ] as const)(
    "%s: a timed-out step's detached daemon that closed every descriptor is stopped too",
    async (host, sudo) => {
      const id = sudo ? 'CHG-2026-0123' : 'CHG-2026-0122';
      const token = `og-late-daemon-${host}-${process.pid}`;
      const body = `exec 0<&- 1>&- 2>&- 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-; while [ ! -e /home/opsgate/release-${host} ]; do sleep 0.05; done; echo late > /home/opsgate/late-${host}; : ${token}`;
      await merge(id, {
        targets: { hosts: [host] },
        steps: [{ id: 'slow', kind: 'run', sudo, timeout_seconds: 1, argv: ['sh', '-c', 'setsid sh -c "$1" opsgate-daemon & while :; do sleep 0.05; done', 'start-daemon', body] }],
      });
      const r = await cli('apply', id);
      expect(r.code).toBe(1);
      expect((await records(repo, id)).find((e) => e.type === 'step.done' && e.step === 'slow')).toMatchObject({ outcome: 'timed_out' });
      expect(hostProcesses(fleet, host, token)).toEqual([]);
      await writeFile(homeFile(fleet, host, `release-${host}`), '');
      expect(await readHome(fleet, host, `late-${host}`)).toBeUndefined();
    },
    60_000,
  );

  it("the host stays locked while a crashed controller's step still runs, and frees when it ends", async () => {
    const host = 'lk-1';
    await merge('CHG-2026-0130', { targets: { hosts: [host] }, steps: [blocking('long')] });
    await merge('CHG-2026-0131', { targets: { hosts: [host] }, steps: [counting('other')] });
    const d = spawnDriver(repo.root, 'CHG-2026-0130', fleet.clientKeyPath, 'never');
    await waitFor(async () => (await count(fleet, host, 'long')) === 1, 'the long step to start');
    d.kill();
    await d.exited;
    // The controller is gone; its step is not.
    const held = await cli('apply', 'CHG-2026-0131');
    expect(held.code).toBe(1);
    expect(held.err).toContain('apply.host-locked');
    expect(held.err).toContain('processes of an earlier step');
    expect(await count(fleet, host, 'other')).toBe(0);
    await writeFile(homeFile(fleet, host, 'release-long'), '');
    await waitFor(async () => (await count(fleet, host, 'long-end')) === 1, 'the step to end');
    // The step's last process may still be exiting when its output file appears: the lock says so until it is gone.
    const free = await untilFree(() => cli('apply', 'CHG-2026-0131'));
    expect(free.code, free.out + free.err).toBe(0);
    expect(await count(fleet, host, 'other')).toBe(1);
  }, 120_000);

  // A step that starts a daemon which carries on the change: it leaves the session, closes every descriptor it
  // inherited (0-9: the steps lock, the tree file) and outlives the step. The host stays locked while it lives.
  it.each([
    ['lk-user', false],
    ['lk-root', true],
  ] as const)(
    '%s: a detached daemon that closed its descriptors keeps the host locked for its whole life',
    async (host, sudo) => {
      const id = sudo ? 'CHG-2026-0133' : 'CHG-2026-0132';
      const name = `daemon-${host}`;
      const body = `exec 0<&- 1>&- 2>&- 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-; echo ran >> /home/opsgate/count-${name}; while [ ! -e /home/opsgate/release-${name} ]; do sleep 0.05; done; echo finished >> /home/opsgate/count-${name}-end`;
      await merge(id, { targets: { hosts: [host] }, steps: [{ id: 'start', kind: 'run', sudo, argv: ['sh', '-c', 'setsid sh -c "$1" opsgate-daemon & exit 0', 'start-daemon', body] }] });
      const other = sudo ? 'CHG-2026-0138' : 'CHG-2026-0137';
      await merge(other, { targets: { hosts: [host] }, steps: [counting(`other-${host}`)] });
      const first = await cli('apply', id);
      expect(first.code, first.out + first.err).toBe(0);
      await waitFor(async () => (await count(fleet, host, name)) === 1, 'the daemon to start');
      const held = await cli('apply', other);
      expect(held.code, held.out + held.err).toBe(1);
      expect(held.err).toContain('apply.host-locked');
      expect(await count(fleet, host, `other-${host}`)).toBe(0);
      await writeFile(homeFile(fleet, host, `release-${name}`), '');
      await waitFor(async () => (await count(fleet, host, `${name}-end`)) === 1, 'the daemon to end');
      const free = await untilFree(() => cli('apply', other));
      expect(free.code, free.out + free.err).toBe(0);
      expect(await count(fleet, host, `other-${host}`)).toBe(1);
    },
    120_000,
  );

  // The same daemon, but it also replaces its whole environment (env -i: no steps token) and leaves its session: only
  // the step's cgroup still knows it. The controller dies mid-step; the step then ends; the daemon lives on.
  it.each([
    ['ev-user', false],
    ['ev-root', true],
  ] as const)(
    '%s: a daemon that closed its descriptors, replaced its environment and detached keeps the host locked after the controller died',
    async (host, sudo) => {
      const id = sudo ? 'CHG-2026-0141' : 'CHG-2026-0140';
      const name = `envi-${host}`;
      const body = `exec 0<&- 1>&- 2>&- 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-; echo ran >> /home/opsgate/count-${name}; while [ ! -e /home/opsgate/release-${name} ]; do sleep 0.05; done; echo finished >> /home/opsgate/count-${name}-end`;
      const step = `(setsid env -i sh -c "$1" opsgate-daemon &) ; while [ ! -e /home/opsgate/release-step-${host} ]; do sleep 0.05; done`;
      await merge(id, { targets: { hosts: [host] }, steps: [{ id: 'start', kind: 'run', sudo, argv: ['sh', '-c', step, 'start-daemon', body] }] });
      const other = sudo ? 'CHG-2026-0143' : 'CHG-2026-0142';
      await merge(other, { targets: { hosts: [host] }, steps: [counting(`other-${host}`)] });
      const d = spawnDriver(repo.root, id, fleet.clientKeyPath, 'never');
      await waitFor(async () => (await count(fleet, host, name)) === 1, 'the daemon to start');
      d.kill();
      await d.exited;
      // The step itself ends; only the daemon is left, with no descriptor, no token, no session of the step.
      await writeFile(homeFile(fleet, host, `release-step-${host}`), '');
      await waitFor(() => hostProcesses(fleet, host, 'release-step-').length === 0, 'the step to end');
      const held = await cli('apply', other);
      expect(held.code, held.out + held.err).toBe(1);
      expect(held.err).toContain('apply.host-locked');
      expect(held.err).toContain('processes of an earlier step');
      expect(await count(fleet, host, `other-${host}`)).toBe(0);
      await writeFile(homeFile(fleet, host, `release-${name}`), '');
      await waitFor(async () => (await count(fleet, host, `${name}-end`)) === 1, 'the daemon to end');
      const free = await untilFree(() => cli('apply', other));
      expect(free.code, free.out + free.err).toBe(0);
      expect(await count(fleet, host, `other-${host}`)).toBe(1);
      expect(cgroup2Options()).toBe(machineCgroup2);
    },
    120_000,
  );

  it.each([
    ['te-user', false],
    ['te-root', true],
  ] as const)(
    "%s: a timed-out step's daemon that also replaced its environment is stopped before timed_out is recorded",
    async (host, sudo) => {
      const id = sudo ? 'CHG-2026-0145' : 'CHG-2026-0144';
      const token = `og-late-envi-${host}-${process.pid}`;
      const body = `exec 0<&- 1>&- 2>&- 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-; while [ ! -e /home/opsgate/release-${host} ]; do sleep 0.05; done; echo late > /home/opsgate/late-${host}; : ${token}`;
      await merge(id, {
        targets: { hosts: [host] },
        steps: [{ id: 'slow', kind: 'run', sudo, timeout_seconds: 1, argv: ['sh', '-c', '(setsid env -i sh -c "$1" opsgate-daemon &) ; while :; do sleep 0.05; done', 'start-daemon', body] }],
      });
      const r = await cli('apply', id);
      expect(r.code).toBe(1);
      expect((await records(repo, id)).find((e) => e.type === 'step.done' && e.step === 'slow')).toMatchObject({ outcome: 'timed_out' });
      expect(hostProcesses(fleet, host, token)).toEqual([]);
      await writeFile(homeFile(fleet, host, `release-${host}`), '');
      expect(await readHome(fleet, host, `late-${host}`)).toBeUndefined();
    },
    60_000,
  );
});
