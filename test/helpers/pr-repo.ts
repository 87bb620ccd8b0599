/** A pull request's repository for lint --changed-since tests: real git, the base on `main`, a branch `pr` checked out. */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN } from './bin.ts';
import { repoRoot } from './repo-from-files.ts';

const exec = promisify(execFile);
const ident = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];

/** Runs git in `root` with a fixed identity. */
export const gitIn = (root: string, ...args: string[]) => exec('git', [...ident, ...args], { cwd: root });

/** A new temporary repository with this repository's schemas and `files`, committed on `main` as `message`, on a new branch `pr`. */
export async function prRepo(prefix: string, files: Record<string, string>, message = 'base'): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), text);
  }
  await gitIn(root, 'init', '-q', '-b', 'main');
  await gitIn(root, 'add', '.');
  await gitIn(root, 'commit', '-q', '-m', message);
  await gitIn(root, 'checkout', '-q', '-b', 'pr');
  return root;
}

export interface JsonFinding {
  code: string;
  file: string;
  message: string;
}

/**
 * `opsgate [--now NOW] lint --format json ARGS` on `root` through the bin: exit 0 or 1 and the findings; anything else
 * throws with stderr.
 */
export async function lintJson(root: string, args: string[] = [], now?: string): Promise<{ code: number; findings: JsonFinding[] }> {
  try {
    const r = await exec(process.execPath, [BIN, '--root', root, ...(now ? ['--now', now] : []), 'lint', '--format', 'json', ...args], {
      env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' },
      timeout: 60_000,
    });
    return { code: 0, findings: (JSON.parse(r.stdout) as { diagnostics: JsonFinding[] }).diagnostics };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    if (err.code !== 1) throw new Error(err.stderr, { cause: e });
    return { code: 1, findings: (JSON.parse(err.stdout) as { diagnostics: JsonFinding[] }).diagnostics };
  }
}
