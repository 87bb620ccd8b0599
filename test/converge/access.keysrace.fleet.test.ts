/**
 * opsgate converge access against an account racing it: the account owns its home, so between converge's link
 * check and its writes it can swap ~/.ssh for a link to a directory only root may write (here the host's own
 * /etc/opsgate; /root is the machine's, never touched). The keys must never land there: the writes are made with
 * the account's own privileges, so the kernel refuses what the account could not do itself. The swap is emulated
 * by a loop outside the host (the same directory, bind-mounted as the host's /home) toggling ~/.ssh between the
 * real directory and the link every few milliseconds while converge runs several times; every run has keys to
 * write (the loop empties the real directory). The race is not deterministic: this is a guard, not a proof.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
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
const RUNS = Number(process.env.OG_KEYSRACE_RUNS ?? 20);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const tmp = `/tmp/og-kr-${process.pid}`;

/** The loop standing in for the account: ~/.ssh is the real directory for a few ms, then a link for a few ms. */
const SWAP = String.raw`
import os, random, sys, time
os.chdir(sys.argv[1])
random.seed(1)
def rn(a, b):
    try: os.rename(a, b)
    except OSError: pass
if os.path.lexists('.ssh.l'): os.unlink('.ssh.l')
os.symlink(sys.argv[2], '.ssh.l')
while True:
    time.sleep(random.uniform(0.002, 0.03))
    rn('.ssh', '.ssh.d'); rn('.ssh.l', '.ssh')
    time.sleep(random.uniform(0.002, 0.03))
    rn('.ssh', '.ssh.l')
    try:
        for f in os.listdir('.ssh.d'): os.unlink(os.path.join('.ssh.d', f))
    except OSError: pass
    rn('.ssh.d', '.ssh')
`;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  await mkdir(tmp, { recursive: true });
  pub = (await generateKeyPair(path.join(tmp, 'bob'), 'ed25519', 'bob@example')).publicKey;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      {
        id: 'kr-1',
        groups: ['race'],
        accounts: [
          { name: 'deploy', uid: 2001, keys: [] },
          { name: 'svc', uid: 2003, keys: [] },
          { name: 'lodger', uid: 2004, keys: [] },
        ],
      },
    ],
  });
  // svc's home is root's (keys managed by root): root itself writes there, nobody else can move anything in it.
  const homes = path.join(fleet.dir, 'kr-1', 'home');
  await rm(path.join(homes, 'svc', '.ssh'), { recursive: true, force: true });
  await chown(path.join(homes, 'svc'), 0, 0);
  await chmod(path.join(homes, 'svc'), 0o755);
  // lodger owns its home but its ~/.ssh is root's: lodger could swap it, so root must not write in it; lodger cannot.
  await rm(path.join(homes, 'lodger', '.ssh'), { recursive: true, force: true });
  await mkdir(path.join(homes, 'lodger', '.ssh'), { mode: 0o700 });
  await chown(path.join(homes, 'lodger', '.ssh'), 0, 0);
  repo = await makeRepo(fleet);
  await writeBobAccess(repo, { pub, group: 'race', accounts: ['deploy', 'svc', 'lodger'] });
  await writeFile(path.join(tmp, 'swap.py'), SWAP);
}, 120_000);
afterAll(async () => {
  if (swapper?.pid) swapper.kill('SIGKILL');
  await fleet?.stop();
  await repo?.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

MACHINE.describe('converge access against an account swapping ~/.ssh for a link', () => {
  it(`root's directories never receive the account's keys (${RUNS} runs against the swap)`, async () => {
    const home = path.join(fleet.dir, 'kr-1', 'home', 'deploy');
    const rootDir = path.join(fleet.dir, 'kr-1', 'etc-opsgate');
    expect((await stat(home)).uid).toBe(2001);
    // Without the race the keys are written where they belong.
    const first = await cli('converge', 'access', '--hosts', 'kr-1');
    expect(first.out).toContain('kr-1: wrote ~deploy/.ssh/authorized_keys');
    const own = async (p: string) => {
      const st = await lstat(p);
      return [st.uid, st.gid, (st.mode & 0o7777).toString(8)];
    };
    // Written by the account itself: its ~/.ssh and its keys, mode 700 and 600.
    expect(await own(path.join(home, '.ssh'))).toEqual([2001, 2001, '700']);
    expect(await own(path.join(home, '.ssh', 'authorized_keys'))).toEqual([2001, 2001, '600']);
    // A home that is root's alone: root writes; ~/.ssh stays root's (755: sshd reads the keys as the account).
    const homes = path.join(fleet.dir, 'kr-1', 'home');
    expect(first.out).toContain('kr-1: wrote ~svc/.ssh/authorized_keys');
    expect(await own(path.join(homes, 'svc', '.ssh'))).toEqual([0, 0, '755']);
    expect(await own(path.join(homes, 'svc', '.ssh', 'authorized_keys'))).toEqual([2003, 2003, '600']);
    // A root-owned ~/.ssh in a home the account owns: neither the account nor root writes; said so, nothing left.
    expect(first.code, first.out).toBe(1);
    expect(first.out).toContain('cannot write the keys of lodger');
    expect(await readdir(path.join(homes, 'lodger', '.ssh'))).toEqual([]);
    swapper = spawn('python3', [path.join(tmp, 'swap.py'), home, '/etc/opsgate'], { stdio: 'ignore' });
    const outcomes: string[] = [];
    const leaks: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const r = await cli('converge', 'access', '--hosts', 'kr-1');
        outcomes.push(/wrote ~deploy\//.test(r.out) ? 'written' : /deploy: keys refused/.test(r.out) ? 'refused' : /cannot write the keys of deploy/.test(r.out) ? 'cannot-write' : `other(${r.code})`);
        // Anything opsgate created in root's directory (the keys, or a temporary file left behind) is a leak; it is
        // counted and removed so the following runs measure again.
        const there = (await readdir(rootDir)).filter((f) => f.includes('authorized_keys'));
        if (there.length) leaks.push(i + 1);
        for (const f of there) await rm(path.join(rootDir, f), { force: true });
      }
    } finally {
      swapper.kill('SIGKILL');
      swapper = undefined;
    }
    console.log(`keysrace outcomes: ${outcomes.join(', ')}; runs that wrote into /etc/opsgate: ${leaks.join(', ') || 'none'}`);
    expect(leaks, `runs whose keys reached /etc/opsgate (outcomes: ${outcomes.join(', ')})`).toEqual([]);
  }, 600_000);
});
