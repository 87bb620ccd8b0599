/**
 * A test worker that is SIGKILLed never runs its exit hook: its sshd processes and network namespaces would stay
 * on the machine for good. The next fleet that starts reaps them (by PID, then the namespace), and only them.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from './fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const REPO = path.resolve(import.meta.dirname, '../..');
const netns = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
import { readFileSync } from 'node:fs';
/** Running or sleeping (a zombie waiting for init to reap it is dead). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
async function gone(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 200 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}
let fleet: RunningFleet | undefined;
afterAll(async () => {
  await fleet?.stop();
});

MACHINE.describe('test fleet cleanup', () => {
  it('reaps the hosts of a fleet whose process was SIGKILLed, and only those', async () => {
    const code = `import { startFleet } from './test/fleet/fleet.ts';
const f = await startFleet({ hosts: [{ id: 'orphan' }], dir: process.argv[1] });
process.stdout.write('tag ' + f.tag + '\\n');
setInterval(() => {}, 1 << 30);`;
    const dir = path.join(REPO, '.tmp', `reap-${process.pid}`);
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const tag = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
        const m = /^tag (\S+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (c) => reject(new Error(`the orphan fleet exited (${c}) before it started: ${out}`)));
    });
    const ns = `${tag}-orphan`;
    expect(netns()).toContain(ns);
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('close', r));
    // Its sshd survives its creator: that is the leak.
    expect(pids.some(alive)).toBe(true);

    fleet = await startFleet({ hosts: [{ id: 'reaper' }] });
    expect(netns()).not.toContain(ns);
    expect(await gone(pids)).toEqual([]);
    // The new fleet's own host is untouched.
    expect(netns()).toContain(`${fleet.tag}-reaper`);
    execFileSync('rm', ['-rf', dir]);
  }, 120_000);
});
