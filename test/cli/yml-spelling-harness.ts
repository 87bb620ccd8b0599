import { stat } from 'node:fs/promises';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { captureStdio } from '../helpers/capture.ts';

/** Shared by the tests of documents spelled .yml (test/cli/*yml*.test.ts, singleton-spelling.test.ts). */

/** Output that names a singleton policy in the .yaml spelling. */
export const SINGLETON_YAML = /policies\/(calendar|approval|organisation|sla|oncall)\.yaml/;

/** Whether `file` exists (any kind). */
export const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

/** The CLI in-process on `root` at the instant `now`, with only PATH, the default branch and `env` in its environment. */
export async function runCliAt(root: string, args: string[], now: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const io = captureStdio();
  const at = new Date(now);
  const code = await runCli(['--root', root, ...args], {
    env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main', ...env },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
    now: () => at,
  });
  return { code, out: io.out(), err: io.err() };
}
