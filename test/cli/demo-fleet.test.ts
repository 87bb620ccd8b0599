/**
 * `npm run demo -- --fleet`: the sample month played live on the real sshd fleet
 * (gate, apply inside its window, inspect, converge access and backup, a restic
 * restore test, the report from those records). Afterwards every process it
 * started is gone, every namespace deleted, its temporary directory removed,
 * and the working tree is as it was: everything went under --out.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../helpers/bin.ts';
import { requireMachine } from '../helpers/needs.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { NEEDS } from '../system/needs.ts';

const exec = promisify(execFile);
// The month converges backup jobs (cron hosts) and restores with restic on the namespaced fleet.
const MACHINE = requireMachine(NEEDS.backupConverge);
const DEMO_TIMEOUT_MS = 20 * 60_000;

let out: string;
let run: { code: number | null; stdout: string; stderr: string };
let statusBefore: string;

const status = async () => (await exec('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=all'])).stdout;
const processes = async () => (await exec('ps', ['-eo', 'pid=,args='], { maxBuffer: 16 << 20 })).stdout.split('\n').filter(Boolean);
const namespaces = async () =>
  (await exec('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);

/** Runs the bin as `npm run demo -- --fleet` does, with its output in `out`; resolves when it exits. */
function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', ...args], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      // Stopped by its PID: the demo's own handler then stops the fleet.
      if (child.pid) process.kill(child.pid, 'SIGTERM');
      reject(new Error(`demo --fleet did not finish within ${DEMO_TIMEOUT_MS / 60_000} min:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
    }, DEMO_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  out = await mkdtemp(path.join(os.tmpdir(), 'og-demo-fleet-'));
  statusBefore = await status();
  run = await demo(['--fleet', '--out', out]);
}, DEMO_TIMEOUT_MS + 60_000);
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

MACHINE.describe('opsgate demo --fleet', () => {
  it('plays the month live: gate, apply, inspect, converge, a restore test, and the report from those records', () => {
    expect(run.stderr).not.toMatch(/internal error|thrown:/);
    expect(run.stdout).not.toMatch(/unexpected|sample check failed/);
    expect(run.code, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`).toBe(0);
    // Markers of each live step, loose on purpose: the steps' own wording belongs to their commands.
    const fleet = run.stdout.slice(run.stdout.indexOf('━━ 6. fleet'));
    expect(fleet.length).toBeLessThan(run.stdout.length);
    for (const live of [/ gate PR #\d+/, / apply CHG-\d{4}-\d{4}/, / inspect\b/, / converge access\b/, / converge backup\b/, /backup verif/, /restore/, /records verify: /]) {
      expect(fleet).toMatch(live);
    }
    expect(run.stdout).not.toMatch(/cannot be signed/);
  });

  it('writes the records and the report under --out', async () => {
    expect((await readdir(path.join(out, 'fleet', 'records'))).sort()).toEqual(expect.arrayContaining(['backups', 'changes', 'converge', 'gate', 'inspections']));
    expect(await readdir(path.join(out, 'fleet', 'reports'))).toEqual(expect.arrayContaining(['audit-2026-11.zh-CN.html']));
  });

  it('stops every process it started, deletes every namespace and its temporary directory', async () => {
    const tag = /fleet (\S+) stopped \(processes killed by PID, namespaces deleted\)/.exec(run.stdout)?.[1];
    expect(tag).toMatch(/^og[0-9a-z]+$/);
    expect((await namespaces()).filter((n) => n.startsWith(`${tag}-`))).toEqual([]);
    const tmp = /starting the test fleet \(12 sample hosts\) in (\S+)/.exec(run.stdout)?.[1];
    expect(tmp).toBeDefined();
    expect(existsSync(tmp!)).toBe(false);
    // No sshd, nc or shell of the fleet is left: none names the fleet's directory, its tag or its namespaces.
    expect((await processes()).filter((p) => p.includes(tmp!) || p.includes(tag!))).toEqual([]);
  });

  it('leaves the working tree as it was', async () => {
    expect(await status()).toBe(statusBefore);
  });
});
