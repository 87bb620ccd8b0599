/**
 * opsgate apply against real sshd hosts (test/fleet): batches, failure and
 * rollback, refusals, host locks, secrets, injection, uploads' mode and owner,
 * tampered records. Every test has its own hosts or its own repository, so
 * none depends on another's state. Crashes, markers and timeouts:
 * crash.fleet.test.ts; windows and retries: window.fleet.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { applyChange } from '../../scripts/change/apply-change.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';
import { blocking, cliIn, count, counting, hostProcesses, spawnDriver, waitFor } from './fleet-helpers.ts';
import { captureStdio } from '../helpers/capture.ts';

const IDS = ['ca-1', 'ca-2', 'ca-3', 'ca-4', 'ca-5'];
const OWN = ['un-1', 'un-2', 'un-3', 'to-1', 'to-2', 'to-3', 'es-1', 'sx-1', 'lk-1', 'lk-2', 'due-1'];
let fleet: RunningFleet;
let repo: TestRepo;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureStdio();
  const code = await runCli(['--root', repo.root, ...args], {
    env: { PATH: process.env.PATH, OG_TEST_TOKEN: 'S3cr3t-T0ken-value-xyz', OPSGATE_DEFAULT_BRANCH: 'main' },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: repo.root,
  });
  return { code, out: io.out(), err: io.err() };
}
const home = (host: string, file: string) => path.join(fleet.dir, host, 'home', 'opsgate', file);
const readHome = (host: string, file: string) => readFile(home(host, file), 'utf8').catch(() => undefined);
async function records(change: string): Promise<Array<Record<string, unknown>>> {
  const dir = path.join(repo.root, 'records', 'changes', change);
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.jsonl')).sort();
  const out: Array<Record<string, unknown>> = [];
  for (const f of files) for (const l of (await readFile(path.join(dir, f), 'utf8')).split('\n').filter(Boolean)) out.push(JSON.parse(l) as Record<string, unknown>);
  return out;
}

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [...IDS.map((id) => ({ id, groups: ['web'] })), ...OWN.map((id) => ({ id, groups: ['own'] }))] });
  repo = await makeRepo(fleet);
  await repo.write('inventory/groups/own.yaml', { id: 'own', title: 'hosts of one test each', owners: [] });
  repo.commit('group own');
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

const marker = (name: string) => ({ id: name, kind: 'run', argv: ['sh', '-c', `echo ran >> "$HOME/${name}"`] });

MACHINE.describe('apply over the test fleet', () => {
  it('applies a change on every host, canary first, in batches, and the records verify', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0001', {
        targets: { groups: ['web'] },
        prechecks: [{ id: 'home-ok', argv: ['test', '-d', '/home/opsgate'] }],
        steps: [
          marker('s1'),
          { id: 'conf', kind: 'upload', source: 'files/app.conf', dest: '/home/opsgate/app.conf', mode: '0640' },
          { id: 'owned', kind: 'upload', source: 'files/app.conf', dest: '/home/opsgate/owned.conf', mode: '0604', owner: 'root', group: 'opsgate' },
        ],
        verification: [{ id: 'conf-there', argv: ['cat', '/home/opsgate/app.conf'], expect: { stdout_contains: 'hello v2' } }],
        rollout: { canary: 1, batch_size: 2, max_failures: 0 },
      }),
      1,
      'satisfied',
      { 'files/app.conf': 'hello v2\n' },
    );
    const dry = await cli('apply', 'CHG-2026-0001', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('batch 1 (canary): ca-1');
    expect(dry.out).toContain('batch 3: ca-4, ca-5');
    expect(await readHome('ca-1', 's1')).toBeUndefined();

    const r = await cli('apply', 'CHG-2026-0001', '--identity', fleet.clientKeyPath);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const h of IDS) {
      expect(await readHome(h, 's1')).toBe('ran\n');
      expect(await readHome(h, 'app.conf')).toBe('hello v2\n');
      // Mode and owner as the change says: the login user's own file, and one given to root (through sudo).
      const plain = await stat(home(h, 'app.conf'));
      expect([plain.mode & 0o7777, plain.uid]).toEqual([0o640, 1990]);
      const owned = await stat(home(h, 'owned.conf'));
      expect([owned.mode & 0o7777, owned.uid, owned.gid]).toEqual([0o604, 0, 1990]);
    }
    const ev = await records('CHG-2026-0001');
    expect(ev[0]!.type).toBe('run.planned');
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'succeeded' });
    const batchStarts = ev.filter((e) => e.type === 'batch.started').map((e) => e.hosts);
    expect(batchStarts).toEqual([['ca-1'], ['ca-2', 'ca-3'], ['ca-4', 'ca-5']]);
    // The canary finished before the second batch began.
    const canaryDone = ev.findIndex((e) => e.type === 'host.done' && e.host === 'ca-1');
    expect(canaryDone).toBeLessThan(ev.findIndex((e) => e.type === 'batch.started' && e.batch === 2));
    // executing is written before done for every step.
    for (const d of ev.filter((e) => e.type === 'step.done')) {
      const i = ev.indexOf(d);
      expect(ev.slice(0, i).some((e) => e.type === 'step.executing' && e.host === d.host && e.step === d.step)).toBe(true);
    }
    expect((await cli('records', 'verify')).code).toBe(0);

    const again = await cli('apply', 'CHG-2026-0001', '--identity', fleet.clientKeyPath);
    expect(again.code).toBe(1);
    expect(again.err).toContain('apply.already-succeeded');
    expect(await readHome('ca-1', 's1')).toBe('ran\n');
  }, 60_000);

  it('rolls back the host that fails in the second batch and does not start the third', async () => {
    await writeFile(home('ca-3', 'fail-here'), 'x');
    await repo.mergeChange(
      changeDoc('CHG-2026-0002', {
        targets: { groups: ['web'] },
        steps: [
          { id: 'conf', kind: 'upload', source: 'files/app2.conf', dest: '/home/opsgate/app2.conf', mode: '0644' },
          { id: 'may-fail', kind: 'run', argv: ['test', '!', '-e', '/home/opsgate/fail-here'] },
        ],
        rollback: [marker('rolled-back')],
        rollout: { canary: 1, batch_size: 2, max_failures: 0 },
      }),
      2,
      'satisfied',
      { 'files/app2.conf': 'new\n' },
    );
    await writeFile(home('ca-3', 'app2.conf'), 'old\n');
    const r = await cli('apply', 'CHG-2026-0002', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(await readHome('ca-3', 'rolled-back')).toBe('ran\n');
    expect(await readHome('ca-3', 'app2.conf')).toBe('old\n');
    expect(await readHome('ca-2', 'app2.conf')).toBe('new\n');
    expect(await readHome('ca-4', 'app2.conf')).toBeUndefined();
    expect(await readHome('ca-5', 'app2.conf')).toBeUndefined();
    const ev = await records('CHG-2026-0002');
    expect(ev.find((e) => e.type === 'host.done' && e.host === 'ca-3')).toMatchObject({ outcome: 'rolled_back' });
    expect(ev.find((e) => e.type === 'rollout.stopped')).toMatchObject({ batches_not_started: [3] });
    expect(ev.some((e) => e.host === 'ca-4')).toBe(false);
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'failed' });
    await rm(home('ca-3', 'fail-here'));
  }, 60_000);

  it('refuses outside the window, without approval, and with a pending gate; nothing runs', async () => {
    const hour = 3_600_000;
    await repo.mergeChange(
      changeDoc('CHG-2026-0003', {
        targets: { hosts: ['ca-1'] },
        steps: [marker('late')],
        window: { start: new Date(Date.now() - 3 * hour).toISOString(), end: new Date(Date.now() - 2 * hour).toISOString() },
      }),
      3,
    );
    await repo.mergeChange(changeDoc('CHG-2026-0004', { targets: { hosts: ['ca-1'] }, steps: [marker('unapproved')] }), 4, 'pending');
    await repo.mergeChange(changeDoc('CHG-2026-0005', { targets: { hosts: ['ca-1'] }, steps: [marker('nodecision')] }), 5, 'none');
    const late = await cli('apply', 'CHG-2026-0003', '--identity', fleet.clientKeyPath);
    expect(late.code).toBe(1);
    expect(late.err).toContain('apply.outside-window');
    const pending = await cli('apply', 'CHG-2026-0004', '--identity', fleet.clientKeyPath);
    expect(pending.code).toBe(1);
    expect(pending.err).toContain('apply.not-approved');
    const none = await cli('apply', 'CHG-2026-0005', '--identity', fleet.clientKeyPath);
    expect(none.err).toContain('apply.gate-missing');
    for (const f of ['late', 'unapproved', 'nodecision']) expect(await readHome('ca-1', f)).toBeUndefined();
    for (const c of ['CHG-2026-0003', 'CHG-2026-0004', 'CHG-2026-0005']) expect(existsSync(path.join(repo.root, 'records/changes', c))).toBe(false);
    // An emergency override needs an emergency change.
    const over = await cli('apply', 'CHG-2026-0003', '--identity', fleet.clientKeyPath, '--emergency-override', 'the database is down right now');
    expect(over.err).toContain('apply.override-refused');
  }, 60_000);

  it('keeps secrets out of records and output, and YAML values arrive as literal arguments', async () => {
    const tag = `${process.pid}-${Date.now()}`;
    await mkdir(`/tmp/x-${tag}`, { recursive: true });
    await repo.mergeChange(
      changeDoc('CHG-2026-0006', {
        targets: { hosts: ['ca-2'] },
        steps: [
          { id: 'use-secret', kind: 'run', env: { TOKEN: '${{ secrets.OG_TEST_TOKEN }}' }, argv: ['sh', '-c', 'echo "token is $TOKEN"; printf %s "$TOKEN" > "$HOME/token"'] },
          { id: 'literal', kind: 'run', argv: ['sh', '-c', 'printf "%s\\n" "$@" > "$HOME/args"', 'sh', `; rm -rf /tmp/x-${tag}`, `$(touch /tmp/pwned-${tag})`] },
        ],
        verification: [{ id: 'echo', argv: ['echo', `; rm -rf /tmp/x-${tag}`, `$(touch /tmp/pwned-${tag})`], expect: { stdout_contains: `$(touch /tmp/pwned-${tag})` } }],
      }),
      6,
    );
    const r = await cli('apply', 'CHG-2026-0006', '--identity', fleet.clientKeyPath);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await readHome('ca-2', 'token')).toBe('S3cr3t-T0ken-value-xyz');
    const text = await readFile(path.join(repo.root, 'records/changes/CHG-2026-0006', (await readdir(path.join(repo.root, 'records/changes/CHG-2026-0006')))[0]!), 'utf8');
    expect(text).not.toContain('S3cr3t-T0ken-value-xyz');
    expect(text).toContain('token is ***');
    const key = await readFile(fleet.clientKeyPath, 'utf8');
    expect(text).not.toContain(key.split('\n')[1]!);
    expect(r.out + r.err).not.toContain('S3cr3t-T0ken-value-xyz');
    expect(existsSync(`/tmp/x-${tag}`)).toBe(true);
    expect(existsSync(`/tmp/pwned-${tag}`)).toBe(false);
    expect(await readHome('ca-2', 'args')).toBe(`; rm -rf /tmp/x-${tag}\n$(touch /tmp/pwned-${tag})\n`);
    await rm(`/tmp/x-${tag}`, { recursive: true, force: true });
  }, 60_000);

  it('names a hand-edited record line', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0014', { targets: { hosts: ['sx-1'] }, steps: [marker('edited')] }), 14);
    expect((await cli('apply', 'CHG-2026-0014', '--identity', fleet.clientKeyPath)).code).toBe(0);
    const dir = path.join(repo.root, 'records/changes/CHG-2026-0014');
    const file = path.join(dir, (await readdir(dir))[0]!);
    const lines = (await readFile(file, 'utf8')).split('\n');
    const saved = lines.join('\n');
    const at = lines.findIndex((l) => l.includes('"host":"sx-1"'));
    lines[at] = lines[at]!.replace('"host":"sx-1"', '"host":"sx-9"');
    await writeFile(file, lines.join('\n'));
    const r = await cli('records', 'verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`records/changes/CHG-2026-0014/[^:]+\\.jsonl:${at + 1} {2}record\\.(hash|chain)`));
    await writeFile(file, saved.slice(0, -20));
    const t = await cli('records', 'verify', 'records/changes/CHG-2026-0014');
    expect(t.out).toContain('record.truncated');
    await writeFile(file, saved);
    expect((await cli('records', 'verify')).code).toBe(0);
  }, 60_000);

  it('marks a host that becomes unreachable mid-rollout and stops', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0007', {
        targets: { hosts: ['un-1', 'un-2', 'un-3'] },
        steps: [marker('u1')],
        rollout: { canary: 1, batch_size: 1, max_failures: 0 },
      }),
      7,
    );
    const ns = fleet.namespaceOf('un-2');
    const result = await applyChange({
      repo: await readRepo(repo.root),
      changeId: 'CHG-2026-0007',
      env: { OPSGATE_DEFAULT_BRANCH: 'main' },
      now: () => new Date(),
      identityFile: fleet.clientKeyPath,
      onEvent: (e) => {
        // After the canary, un-2's sshd and sessions die (its lock is already held over a live connection).
        if (e.type === 'host.done' && e.host === 'un-1') {
          const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
          for (const p of pids)
            try {
              process.kill(Number(p), 'SIGKILL');
            } catch {
              /* gone */
            }
        }
      },
    });
    expect(result.status).toBe('failed');
    expect(result.result?.hosts).toMatchObject({ 'un-1': 'succeeded', 'un-2': 'unreachable', 'un-3': 'not_started' });
    expect(await readHome('un-3', 'u1')).toBeUndefined();
    const ev = await records('CHG-2026-0007');
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'failed' });
  }, 60_000);

  it('stops a step at its timeout and rolls the host back', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0011', {
        targets: { hosts: ['to-1'] },
        steps: [{ id: 'hangs', kind: 'run', argv: ['sleep', '30'], timeout_seconds: 1 }],
        rollback: [marker('timeout-rollback')],
      }),
      11,
    );
    const r = await cli('apply', 'CHG-2026-0011', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    const ev = await records('CHG-2026-0011');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'hangs')).toMatchObject({ ok: false, outcome: 'timed_out' });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host: 'to-1', outcome: 'rolled_back' });
    expect(await readHome('to-1', 'timeout-rollback')).toBe('ran\n');
  }, 60_000);

  it('a timed-out step stops with everything it started, even what left its process group, with and without sudo: its late writes never appear', async () => {
    for (const [n, host, sudo] of [
      [12, 'to-2', false],
      [13, 'to-3', true],
    ] as const) {
      const token = `og-late-writer-${n}`;
      const late = (name: string) => `sleep 30; echo late >> /home/opsgate/late-${name}; : ${token}`;
      await repo.mergeChange(
        changeDoc(`CHG-2026-00${n}`, {
          targets: { hosts: [host] },
          // The main command, a background job in its group, a process in its own session, and a double fork.
          steps: [
            {
              id: 'lingers',
              kind: 'run',
              sudo,
              timeout_seconds: 1,
              argv: ['sh', '-c', `(${late('group')}) & setsid sh -c '${late('session')}' & (setsid sh -c '${late('double')}' &); ${late('main')}`],
            },
          ],
          rollback: [marker('lingers-rollback')],
        }),
        n,
      );
      const r = await cli('apply', `CHG-2026-00${n}`, '--identity', fleet.clientKeyPath);
      expect(r.code).toBe(1);
      const ev = await records(`CHG-2026-00${n}`);
      expect(ev.find((e) => e.type === 'step.done' && e.step === 'lingers')).toMatchObject({ outcome: 'timed_out' });
      expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'rolled_back' });
      expect(await readHome(host, 'lingers-rollback')).toBe('ran\n');
      // Nothing of the step is left on the host once timed_out is recorded, so nothing can write later.
      expect(hostProcesses(fleet, host, token)).toEqual([]);
      for (const f of ['group', 'session', 'double', 'main']) expect(await readHome(host, `late-${f}`)).toBeUndefined();
    }
  }, 90_000);

  it('prints what the change, the calendar and the hosts control with control and bidi characters as visible escapes', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0015', {
        targets: { hosts: ['es-1'] },
        prechecks: [{ id: 'banner', argv: ['printf', 'ok'], expect: { stdout_matches: 'ready\u001b]0;pwned\u0007\u202e' } }],
        steps: [marker('never')],
      }),
      15,
    );
    const r = await cli('apply', 'CHG-2026-0015', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(r.out).toContain('precheck banner failed: stdout does not match /ready\\u001b]0;pwned\\u0007\\u202e/');
    // eslint-disable-next-line no-control-regex -- the raw characters are what must not appear
    expect(r.out + r.err).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(await readHome('es-1', 'never')).toBeUndefined();
  }, 60_000);

  it('--due applies the approved change whose window is open, once; a failed or unapproved one waits for a person', async () => {
    // Its own repository: --due looks at every change there.
    const own = await makeRepo(fleet);
    try {
      const hour = 3_600_000;
      const run = (...args: string[]) => cliIn(own.root, {}, ...args);
      await own.mergeChange(changeDoc('CHG-2026-0021', { targets: { hosts: ['due-1'] }, steps: [counting('due')] }), 21);
      await own.mergeChange(changeDoc('CHG-2026-0022', { targets: { hosts: ['due-1'] }, steps: [counting('fails'), { id: 'no', kind: 'run', argv: ['false'] }] }), 22);
      await own.mergeChange(changeDoc('CHG-2026-0023', { targets: { hosts: ['due-1'] }, steps: [counting('pending')] }), 23, 'pending');
      await own.mergeChange(
        changeDoc('CHG-2026-0024', {
          targets: { hosts: ['due-1'] },
          steps: [counting('future')],
          window: { start: new Date(Date.now() + hour).toISOString(), end: new Date(Date.now() + 2 * hour).toISOString() },
        }),
        24,
      );
      expect((await run('apply', 'CHG-2026-0022', '--identity', fleet.clientKeyPath)).code).toBe(1);
      const r = await run('apply', '--due', '--identity', fleet.clientKeyPath);
      expect(r.out).toContain('CHG-2026-0021: succeeded');
      expect(r.out).toContain('CHG-2026-0022: skipped: run');
      expect(r.err).toContain('refusing to apply CHG-2026-0023');
      expect(r.out + r.err).not.toContain('CHG-2026-0024');
      expect(r.code).toBe(1);
      expect([await count(fleet, 'due-1', 'due'), await count(fleet, 'due-1', 'fails'), await count(fleet, 'due-1', 'pending'), await count(fleet, 'due-1', 'future')]).toEqual([1, 1, 0, 0]);
      await run('apply', '--due', '--identity', fleet.clientKeyPath);
      expect([await count(fleet, 'due-1', 'due'), await count(fleet, 'due-1', 'fails')]).toEqual([1, 1]);
    } finally {
      await own.cleanup();
    }
  }, 120_000);
});

MACHINE.describe('host locks', () => {
  it('refuses a second apply on a host another apply holds, and runs it once the first is done', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0009', { targets: { hosts: ['lk-1'] }, steps: [blocking('slow')] }), 9);
    await repo.mergeChange(changeDoc('CHG-2026-0010', { targets: { hosts: ['lk-1', 'lk-2'] }, steps: [counting('second')] }), 10);
    const a = spawnDriver(repo.root, 'CHG-2026-0009', fleet.clientKeyPath, 'never');
    await waitFor(async () => (await count(fleet, 'lk-1', 'slow')) === 1, 'the first apply to start its step');
    const b = await cli('apply', 'CHG-2026-0010', '--identity', fleet.clientKeyPath);
    expect(b.code).toBe(1);
    expect(b.err).toContain('apply.host-locked');
    expect(b.err).toContain('CHG-2026-0009');
    expect(await count(fleet, 'lk-2', 'second')).toBe(0);
    expect(existsSync(path.join(repo.root, 'records/changes/CHG-2026-0010'))).toBe(false);
    await writeFile(home('lk-1', 'release-slow'), '');
    expect((await a.exited).code, a.output()).toBe(0);
    a.kill();
    const c = await cli('apply', 'CHG-2026-0010', '--identity', fleet.clientKeyPath);
    expect(c.code, c.out + c.err).toBe(0);
    expect([await count(fleet, 'lk-1', 'second'), await count(fleet, 'lk-2', 'second')]).toEqual([1, 1]);
  }, 60_000);
});
