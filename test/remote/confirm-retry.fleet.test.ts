/**
 * A reloading sshd re-executes itself and stops listening for a moment, so the
 * first fresh connection of a commit-confirmation can be refused although the
 * change is good. confirmFresh retries such connection failures for a bounded
 * time; a refused login is never retried (that is the lock-out the timer is for).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { armConfirmation, confirmFresh, confirmRetrySeconds } from '../../scripts/remote/commit-confirm.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import type { SshTarget } from '../../scripts/ssh/types.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let key: string;
let dir: string;

/** The host's own target, whose proxy fails (exit 1 before any byte) the first `failures` times. */
function flakyTarget(failures: number, flag: string): SshTarget {
  const h = fleet.hosts[0]!;
  const proxy = h.proxy_command!;
  const script = `n=$(cat "$1" 2>/dev/null || echo 0); if [ "$n" -lt ${failures} ]; then echo $((n + 1)) > "$1"; echo 'nc: connect refused (reloading)' >&2; exit 1; fi; shift; exec "$@"`;
  return { id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: ['sh', '-c', script, 'sh', flag, ...proxy] };
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'cf-a' }] });
  key = await readFile(fleet.clientKeyPath, 'utf8');
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-confirm-'));
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function arm(id: string): Promise<void> {
  const s = await connectHost(flakyTarget(0, path.join(dir, 'unused')), { auth: { privateKey: key } });
  try {
    // A long timer: these cases must be decided by the controller, not by the host reverting.
    const r = await armConfirmation(s, { id, seconds: 300, reload: [], files: ['/etc/login.defs'] });
    expect(r.ok).toBe(true);
  } finally {
    await s.close();
  }
}

MACHINE.describe('commit-confirmation over a fresh connection', () => {
  it('retries a connection refused while the daemon reloads, and confirms', async () => {
    await arm('retry-ok');
    const c = await confirmFresh(flakyTarget(2, path.join(dir, 'flag-ok')), { auth: { privateKey: key } }, 'retry-ok', {
      waitSeconds: 0,
      retrySeconds: 20,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))),
    });
    expect(c).toMatchObject({ confirmed: true, reverted: false });
    expect(await readFile(path.join(dir, 'flag-ok'), 'utf8')).toBe('2\n');
  });

  it('without a retry window the same refusal is reported as a failed confirmation, naming the proxy', async () => {
    await arm('retry-none');
    const c = await confirmFresh(flakyTarget(1, path.join(dir, 'flag-none')), { auth: { privateKey: key } }, 'retry-none', { waitSeconds: 0, retrySeconds: 0 });
    expect(c.confirmed).toBe(false);
    expect(c.why).toMatch(/fresh connection failed: proxy/);
  });

  it('never retries a refused login', async () => {
    await arm('retry-auth');
    await generateKeyPair(path.join(dir, 'other_key'), 'ed25519', 'not-authorized');
    const other = await readFile(path.join(dir, 'other_key'), 'utf8');
    const flag = path.join(dir, 'flag-auth');
    const c = await confirmFresh(flakyTarget(0, flag), { auth: { privateKey: other } }, 'retry-auth', { waitSeconds: 0, retrySeconds: 20 });
    expect(c.confirmed).toBe(false);
    expect(c.why).toMatch(/fresh connection failed: auth/);
    expect(c.why).not.toMatch(/attempt 2/);
  });

  it('a host whose timer could not restore everything (revert-failed) is reported as such at once, not waited for as a revert', async () => {
    await arm('revert-failed');
    // What the protected-set guard's timer writes when a saved firewall ruleset would not load (live-firewall.ts).
    await writeFile(path.join(fleet.dir, fleet.hosts[0]!.id, 'var-lib-opsgate', 'confirm', 'revert-failed', 'state'), 'revert-failed\n');
    const c = await confirmFresh(flakyTarget(0, path.join(dir, 'flag-rf')), { auth: { privateKey: key } }, 'revert-failed', { waitSeconds: 2, retrySeconds: 0 });
    expect(c).toMatchObject({ confirmed: false, reverted: false });
    expect(c.why).toContain('revert-failed; its log: /var/lib/opsgate/confirm/<id>/restore.log');
    expect(c.why).not.toMatch(/did not report a revert/);
  });

  it('bounds the retry window by the confirm window', () => {
    expect([1, 6, 30, 300].map(confirmRetrySeconds)).toEqual([2, 2, 10, 10]);
  });
});
