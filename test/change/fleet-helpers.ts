/** Helpers shared by the apply/converge fleet tests: CLI runs, host files, records, controller processes. */
import { execFileSync, spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { RunningFleet } from '../fleet/fleet.ts';
import { REPO, type TestRepo } from './harness.ts';
import { captureStdio } from '../helpers/capture.ts';
import { signalChildGroup } from '../helpers/process-group.ts';

export async function cliIn(root: string, env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureStdio();
  const code = await runCli(['--root', root, ...args], { env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main', ...env }, stdout: io.stdout, stderr: io.stderr, cwd: root });
  return { code, out: io.out(), err: io.err() };
}

/** A file under the login user's home on a fleet host (its /home is the host's own). */
export const homeFile = (fleet: RunningFleet, host: string, file: string) => path.join(fleet.dir, host, 'home', 'opsgate', file);
export const readHome = (fleet: RunningFleet, host: string, file: string) => readFile(homeFile(fleet, host, file), 'utf8').catch(() => undefined);
/** How many times a counting step ran on a host: lines in ~/count-NAME. */
export const count = async (fleet: RunningFleet, host: string, name: string) => ((await readHome(fleet, host, `count-${name}`)) ?? '').split('\n').filter(Boolean).length;
/** A non-idempotent step that counts its runs on the host. */
export const counting = (name: string, extra: Record<string, unknown> = {}) => ({ id: name, kind: 'run', argv: ['sh', '-c', `echo ran >> "$HOME/count-${name}"`], ...extra });
/** A step that counts, then waits until the test creates ~/release-NAME (no sleeping in the test). */
export const blocking = (name: string, extra: Record<string, unknown> = {}) => ({
  id: name,
  kind: 'run',
  argv: ['sh', '-c', `echo ran >> "$HOME/count-${name}"; while [ ! -e "$HOME/release-${name}" ]; do sleep 0.05; done; echo finished >> "$HOME/count-${name}-end"`],
  ...extra,
});

export async function records(repo: TestRepo, change: string): Promise<Array<Record<string, unknown>>> {
  const dir = path.join(repo.root, 'records', 'changes', change);
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.jsonl')).sort();
  const out: Array<Record<string, unknown>> = [];
  for (const f of files) for (const l of (await readFile(path.join(dir, f), 'utf8')).split('\n').filter(Boolean)) out.push(JSON.parse(l) as Record<string, unknown>);
  return out;
}

/** Polls a condition (no fixed sleeps as synchronisation): up to `seconds`, every 50 ms. */
export async function waitFor(cond: () => Promise<boolean> | boolean, what: string, seconds = 60): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Processes inside a host's network namespace whose command line contains `needle`. */
export function hostProcesses(fleet: RunningFleet, host: string, needle: string): string[] {
  const ns = fleet.namespaceOf(host);
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return pids.filter((p) => {
    try {
      return execFileSync('cat', [`/proc/${p}/cmdline`], { encoding: 'utf8' }).includes(needle);
    } catch {
      return false;
    }
  });
}

/** The crash-test controller (kill-driver.ts) as its own process group; `kill()` SIGKILLs the group, like a runner that dies. */
export function spawnDriver(root: string, change: string, identity: string, killAt: string, commitAt = 'never', ...extra: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/change/kill-driver.ts'), root, change, identity, killAt, commitAt, ...extra], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  child.stderr!.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const killGroup = () => void signalChildGroup(child, 'SIGKILL');
  return { child, exited, output: () => out, kill: killGroup };
}
