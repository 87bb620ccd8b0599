/**
 * The host lock lost while its controller lives: controller A holds the lock of a real sshd host; its connection
 * stalls (its proxy is stopped, as dropped packets would) longer than the lock's heartbeat TTL, so the host lets A's
 * lock go and controller B takes it. Then A's connection comes back and A sends its next step on the old session.
 * That step must not run: the host is B's now (otherwise two controllers run the same change's steps at once, and a
 * step B did not see A start runs twice). The runner refuses before the marker and before the command. No clock
 * takes part: the lock is a flock held by a process, never a time stamp, so skew cannot steal it.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acquireHostLock, runDirOf, stepsLockOf } from '../../scripts/remote/host-lock.ts';
import { parseRunnerTrailer, renderRemoteStep } from '../../scripts/remote/step-runner.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import type { HostSession, SshTarget } from '../../scripts/ssh/types.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { waitFor } from '../change/fleet-helpers.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let key: string;
const sessions: HostSession[] = [];
const stopped: number[] = [];

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'hl-a' }] });
  key = await readFile(fleet.clientKeyPath, 'utf8');
}, 120_000);
afterAll(async () => {
  for (const p of stopped) {
    try {
      process.kill(p, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  for (const s of sessions) await s.close().catch(() => {});
  await fleet?.stop();
});

const target = (): SshTarget => {
  const h = fleet.hosts[0]!;
  return { id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command! };
};
/** The proxy processes (this test's own children) that carry the host's connections now. */
const proxies = () =>
  execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);
const pgrepSafe = () => {
  try {
    return proxies();
  } catch {
    return [];
  }
};
/** Whether anyone holds the host's lock file now (its state directory is the host's own, on this machine's disk). */
const lockFree = (host: string) => {
  try {
    execFileSync('flock', ['-n', path.join(fleet.dir, host, 'var-lib-opsgate', 'locks', `opsgate-${host}.lock`), 'true']);
    return true;
  } catch {
    return false;
  }
};

MACHINE.describe('the host lock lost to a stalled connection', () => {
  it('a step the old holder sends after the host gave its lock to another controller is refused; the command never runs', async () => {
    const host = 'hl-a';
    const before = new Set(pgrepSafe());
    const a = await connectHost(target(), { auth: { privateKey: key }, keepaliveIntervalMs: 600_000 });
    sessions.push(a);
    const aProxy = pgrepSafe().filter((p) => !before.has(p));
    expect(aProxy).toHaveLength(1);
    const la = await acquireHostLock(a, host, 'controller A', 3, { scope: 'CHG-2026-0500', run: 'run-a' });
    expect(la.status).toBe('locked');
    if (la.status !== 'locked') return;
    // A's connection stalls: nothing reaches the host, the heartbeat neither. The host lets the lock go after its TTL.
    process.kill(aProxy[0]!, 'SIGSTOP');
    stopped.push(aProxy[0]!);
    await waitFor(() => lockFree(host), "the host letting a silent holder's lock go", 60);
    const b = await connectHost(target(), { auth: { privateKey: key } });
    sessions.push(b);
    const lb = await acquireHostLock(b, host, 'controller B', 30, { scope: 'CHG-2026-0500', run: 'run-b' });
    expect(lb.status).toBe('locked');
    // A's connection comes back; A, unaware, sends the next step of its run.
    process.kill(aProxy[0]!, 'SIGCONT');
    const nonce = 'a0a0a0a0a0a0a0a0';
    const count = path.join(fleet.dir, host, 'home', 'opsgate', 'count-stolen');
    const argv = renderRemoteStep(
      { argv: ['sh', '-c', 'echo ran >> "$HOME/count-stolen"'], sudo: false, timeoutSeconds: 30, marker: true, key: 'step.stolen' },
      {
        runDir: runDirOf(la.stateDir, 'CHG-2026-0500', 'run-a', host),
        stepsLock: stepsLockOf(la.stateDir, host),
        nonce,
        ...(la.holder ? { lockHolder: la.holder } : {}),
        ...(la.cgroup ? { cgroup: la.cgroup } : {}),
      },
    );
    const r = await a.exec(argv, { timeoutMs: 60_000 });
    const t = parseRunnerTrailer(r.stderr, nonce);
    expect(t.state, r.stderr).toBe('error');
    expect(t.message).toMatch(/host lock is no longer this run's/);
    expect(await readFile(count, 'utf8').catch(() => '')).toBe('');
    // No marker either: the step never started, so nothing is in doubt.
    expect(await readFile(path.join(fleet.dir, host, 'var-lib-opsgate', 'runs', 'CHG-2026-0500', 'run-a', host, 'step.stolen.state'), 'utf8').catch(() => 'none')).toBe('none');
    // B's steps run.
    if (lb.status === 'locked') {
      const rb = await b.exec(
        renderRemoteStep(
          { argv: ['sh', '-c', 'echo ran >> "$HOME/count-stolen"'], sudo: false, timeoutSeconds: 30, marker: true, key: 'step.stolen' },
          {
            runDir: runDirOf(lb.stateDir, 'CHG-2026-0500', 'run-b', host),
            stepsLock: stepsLockOf(lb.stateDir, host),
            nonce,
            ...(lb.holder ? { lockHolder: lb.holder } : {}),
            ...(lb.cgroup ? { cgroup: lb.cgroup } : {}),
          },
        ),
        { timeoutMs: 60_000 },
      );
      expect(parseRunnerTrailer(rb.stderr, nonce).state, rb.stderr).toBe('ended');
      expect((await readFile(count, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
      await lb.release();
    }
  }, 180_000);
});
