/**
 * `npm run demo` is a newcomer's first command: it must leave the working tree
 * exactly as it was (everything under an ignored output directory), and the
 * shipped command must not read the test suite's fixtures.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);
let dir: string;
let clone: string;

async function run(cmd: string, args: string[], cwd?: string) {
  try {
    const r = await exec(cmd, args, { cwd, env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' }, maxBuffer: 32 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
const git = (args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-C', clone, ...args]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-demo-'));
  clone = path.join(dir, 'clone');
  // The committed repository, as a newcomer's clone has it; the code is this checkout's bin.
  expect((await run('git', ['clone', '-q', '--no-hardlinks', repoRoot, clone])).code).toBe(0);
  // Without the test suite: the shipped demo must not need test/fixtures.
  expect((await git(['rm', '-r', '-q', 'test'])).code).toBe(0);
  expect((await git(['commit', '-q', '-m', 'no tests'])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('opsgate demo', () => {
  it('runs every step as expected, writes under demo-output/ only, and the working tree stays clean', async () => {
    const r = await run(process.execPath, [BIN, 'demo', '--root', clone]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).not.toMatch(/unexpected/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gate --simulate demo-output\/sample-pull-request\.json/);
    expect((await readdir(path.join(clone, 'demo-output/reports'))).sort()).toEqual(['audit-2026-11.zh-CN.html', 'audit-2026-11.zh-CN.json', 'audit-2026-11.zh-CN.md']);
    expect((await git(['status', '--porcelain', '--untracked-files=all'])).stdout).toBe('');
    // Without --fleet it says what --fleet would add.
    expect(r.stdout).toMatch(/With --fleet .* plays November 2026 live/);
  }, 180_000);

  it('--out puts everything elsewhere; the repository gets nothing', async () => {
    const out = path.join(dir, 'elsewhere');
    const r = await run(process.execPath, [BIN, 'demo', '2026-10', '--root', clone, '--out', out]);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(out, 'reports/audit-2026-10.zh-CN.html'))).toBe(true);
    expect((await git(['status', '--porcelain', '--untracked-files=all'])).stdout).toBe('');
  }, 180_000);

  it('refuses a repository that is not the sample organisation, with exit 2 and what to run instead', async () => {
    const other = await mkdtemp(path.join(dir, 'other-'));
    const r = await run(process.execPath, [BIN, 'demo', '--root', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not it \(no policies\/organisation\.yaml/);
    expect(r.stderr).toMatch(/hint: .*opsgate lint/);
    expect(await readdir(other)).toEqual([]);
  });
});
