/**
 * Reading an account's existing authorized_keys never hangs converge, whatever the account puts there. It owns its
 * home, so it can make the keys a FIFO (a read blocks until someone writes), or an endless or huge source, and swap it
 * in after the link check. The read runs as the account under a timeout, with a size cap, and checks the type on the
 * opened descriptor; any of these refuses that account's keys (nothing installed for it) and the run goes on for the
 * others. The swap is emulated by a loop outside the host (the host's /home is a directory here) renaming a FIFO and
 * a regular file in turn over deploy's keys while converge --check runs: not deterministic, a guard.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';
import { cliIn } from '../change/fleet-helpers.ts';
import { writeBobAccess } from './access-fixtures.ts';

let fleet: RunningFleet;
let repo: TestRepo;
let swapper: ChildProcess | undefined;
let pub = '';
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const tmp = `/tmp/og-ar-${process.pid}`;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const keysOf = (host: string, acct: string) => path.join(fleet.dir, host, 'home', acct, '.ssh', 'authorized_keys');
const CAP = 1024 * 1024;
const deploy = { name: 'deploy', uid: 2001, keys: [] };
const svc = { name: 'svc', uid: 2003, keys: [] };
const mkfifo = (p: string) => expect(spawnSync('mkfifo', ['-m', '600', p]).status).toBe(0);

/** The loop standing in for the account: its keys are a regular file for a few ms, then a FIFO for a few ms. */
const SWAP = String.raw`
import os, random, sys, time
os.chdir(sys.argv[1])
random.seed(2)
def rn(a, b):
    try: os.rename(a, b)
    except OSError: pass
while True:
    time.sleep(random.uniform(0.002, 0.03))
    rn('authorized_keys', 'keys.f'); rn('keys.p', 'authorized_keys')
    time.sleep(random.uniform(0.002, 0.03))
    rn('authorized_keys', 'keys.p'); rn('keys.f', 'authorized_keys')
`;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  await mkdir(tmp, { recursive: true });
  pub = (await generateKeyPair(path.join(tmp, 'bob'), 'ed25519', 'bob@example')).publicKey;
  fleet = await startFleet({
    mutates: true,
    hosts: ['ar-fifo', 'ar-big', 'ar-race'].map((id) => ({ id, groups: ['ar'], accounts: [deploy, svc] })),
  });
  repo = await makeRepo(fleet);
  await writeBobAccess(repo, { pub, group: 'ar', accounts: ['deploy', 'svc'] });
  await writeFile(path.join(tmp, 'swap.py'), SWAP);
}, 120_000);
afterAll(async () => {
  if (swapper?.pid) swapper.kill('SIGKILL');
  await fleet?.stop();
  await repo?.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

MACHINE.describe('converge access: reading existing keys never hangs', () => {
  it('ar-fifo: keys that are a FIFO of the account are refused, located; the run goes on to the other account', async () => {
    const keys = keysOf('ar-fifo', 'deploy');
    await rm(keys);
    mkfifo(keys);
    await chown(keys, 2001, 2001);
    const r = await cli('converge', 'access', '--hosts', 'ar-fifo');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('ar-fifo: deploy: keys refused: /home/deploy/.ssh/authorized_keys is not a regular file');
    // The other account is still assessed; as for every refusal, nothing is installed on the host.
    expect(r.out).toContain('ar-fifo: svc: add key');
    expect(r.out).not.toMatch(/ar-fifo: wrote/);
  }, 60_000);

  it(`ar-big: keys of more than ${CAP} bytes of key-like lines are refused, not read whole or listed; nothing installed`, async () => {
    const keys = keysOf('ar-big', 'deploy');
    const line = `${pub.trim()} filler\n`;
    const big = line.repeat(Math.ceil((CAP + 1) / line.length));
    await writeFile(keys, big, { mode: 0o600 });
    await chown(keys, 2001, 2001);
    const r = await cli('converge', 'access', '--hosts', 'ar-big');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`ar-big: deploy: keys refused: /home/deploy/.ssh/authorized_keys is larger than ${CAP} bytes`);
    expect(r.out).toContain('ar-big: svc: add key');
    expect(r.out).not.toMatch(/ar-big: wrote/);
    expect(r.out.length).toBeLessThan(100_000);
    expect(await readFile(keys, 'utf8')).toBe(big);
  }, 60_000);

  it('ar-race: keys swapped for a FIFO after the check: every run finishes, refused or read, never hung', async () => {
    const dir = path.dirname(keysOf('ar-race', 'deploy'));
    mkfifo(path.join(dir, 'keys.p'));
    await chown(path.join(dir, 'keys.p'), 2001, 2001);
    swapper = spawn('python3', [path.join(tmp, 'swap.py'), dir], { stdio: 'ignore' });
    const seen: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const r = await cli('converge', 'access', '--hosts', 'ar-race', '--check');
        const why = /ar-race: deploy: keys refused: \/home\/deploy\/\.ssh\/authorized_keys (is not a regular file|read timed out)/.exec(r.out);
        seen.push(why ? why[1]! : 'read');
        // The script got past deploy to svc: it was not stopped by the host-side timeout of the whole run.
        expect(r.out, r.out + r.err).toMatch(/ar-race: svc: missing key/);
        expect(r.out).not.toContain('cannot read');
      }
    } finally {
      swapper.kill('SIGKILL');
      swapper = undefined;
    }
    console.log(`ar-race: ${seen.join(', ')}`);
  }, 240_000);
});
