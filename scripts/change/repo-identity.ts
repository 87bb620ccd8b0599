/**
 * A short, stable name for the repository a run comes from, so that step
 * markers on a host are matched only with records of the same repository
 * (a test repository with the same change ids never sees them). Edge: reads
 * the environment and git.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

async function git(root: string, args: string[]): Promise<string> {
  return (
    await exec('git', args, { cwd: root }).then(
      (r) => r.stdout,
      () => '',
    )
  ).trim();
}

/** GITHUB_REPOSITORY, else the origin remote, else the root commit, else the path: hashed to 12 hex digits. */
export async function repoIdentity(root: string, env: NodeJS.ProcessEnv): Promise<string> {
  const name = env.GITHUB_REPOSITORY || (await git(root, ['config', '--get', 'remote.origin.url'])) || (await git(root, ['rev-list', '--max-parents=0', 'HEAD'])).split('\n')[0] || path.resolve(root);
  return createHash('sha256').update(name).digest('hex').slice(0, 12);
}
