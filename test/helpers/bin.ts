import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo-from-files.ts';

/**
 * The shipped `opsgate` bin: what `npx opsgate` and the workflows run, the esbuild
 * bundle (scripts/bin/opsgate.mjs). CLI tests run this, not the sources through tsx,
 * so a bundling problem fails them. Run it as `execFile(process.execPath, [BIN, ...args])`.
 */
export const BIN = path.join(repoRoot, 'scripts/bin/opsgate.mjs');

const run = promisify(execFile);

/** Runs the shipped bin in `cwd` with a minimal environment (HOME = cwd); never rejects: a failing exit is a result. */
export async function runBin(args: string[], cwd: string, timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, NO_COLOR: '1', HOME: cwd }, timeout });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
