/**
 * The lease: before a run that can change hosts starts, it pushes the branch
 * `opsgate/lease/<flow>`; the job that lands the run's records deletes it in
 * the same atomic push. While it exists, the records of some run have not
 * reached the default branch, so the next run refuses to start. Creation is
 * compare-and-swap (`--force-with-lease` expecting no ref), so two runs can
 * never both hold it. Edge: git.
 */
import { GitError, remoteRef, type Git } from './git.ts';
import { leaseBranch, readTrailer, trailers, type Flow } from './manifest.ts';

export interface Lease {
  flow: Flow;
  sha: string;
  run?: string;
  runUrl?: string;
  takenAt?: string;
  changes?: string;
}

export const BOT = { name: 'opsgate-bot', email: 'opsgate-bot@users.noreply.github.com' };

export function identityEnv(who = BOT, at?: Date): NodeJS.ProcessEnv {
  const date = at ? `${Math.floor(at.getTime() / 1000)} +0000` : undefined;
  return {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
  };
}

/** Fetches a ref's objects without deepening history: a shallow clone stays shallow, a full one stays full. */
export async function fetchQuietly(git: Git, remote: string, ref: string): Promise<void> {
  const shallow = (await git(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  await git(['fetch', '--no-tags', '--quiet', ...(shallow ? ['--depth=1'] : []), remote, ref]);
}

/** The message of a commit that is already in the local object store. */
export async function commitMessage(git: Git, sha: string): Promise<string> {
  const raw = await git(['cat-file', 'commit', sha]);
  const i = raw.indexOf('\n\n');
  return i < 0 ? '' : raw.slice(i + 2);
}

export async function readLease(git: Git, remote: string, flow: Flow): Promise<Lease | undefined> {
  const ref = `refs/heads/${leaseBranch(flow)}`;
  const sha = await remoteRef(git, remote, ref);
  if (!sha) return undefined;
  await fetchQuietly(git, remote, ref);
  const message = await commitMessage(git, sha);
  const lease: Lease = { flow, sha };
  const put = <K extends keyof Lease>(k: K, v: Lease[K] | undefined) => {
    if (v !== undefined) lease[k] = v;
  };
  put('run', readTrailer(message, 'Opsgate-Run'));
  put('runUrl', readTrailer(message, 'Opsgate-Run-Url'));
  put('takenAt', readTrailer(message, 'Opsgate-Taken-At'));
  put('changes', readTrailer(message, 'Opsgate-Changes'));
  return lease;
}

export type TakeResult = { ok: true; sha: string } | { ok: false; holder: Lease };

export async function takeLease(git: Git, o: { remote: string; flow: Flow; run: string; runUrl?: string; changes: readonly string[]; now: Date }): Promise<TakeResult> {
  const existing = await readLease(git, o.remote, o.flow);
  if (existing) return { ok: false, holder: existing };
  const branch = leaseBranch(o.flow);
  const head = (await git(['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  const message = [
    `opsgate lease: ${o.flow} run ${o.run}`,
    '',
    `While this branch exists, the records of ${o.flow} run ${o.run} have not landed on the default branch,`,
    `and no other ${o.flow} run starts. The job that lands the records deletes it in the same push.`,
    '',
    trailers({
      'Opsgate-Flow': o.flow,
      'Opsgate-Run': o.run,
      ...(o.runUrl ? { 'Opsgate-Run-Url': o.runUrl } : {}),
      'Opsgate-Taken-At': o.now.toISOString(),
      ...(o.changes.length ? { 'Opsgate-Changes': o.changes.join(' ') } : {}),
    }),
  ].join('\n');
  const tree = (await git(['rev-parse', `${head}^{tree}`])).trim();
  const commit = (await git(['commit-tree', tree, '-p', head, '-F', '-'], { input: message + '\n', env: identityEnv(BOT, o.now) })).trim();
  const pushed = await git.tryRun(['push', '--porcelain', `--force-with-lease=refs/heads/${branch}:`, o.remote, `${commit}:refs/heads/${branch}`]);
  if (pushed.ok) return { ok: true, sha: commit };
  const holder = await readLease(git, o.remote, o.flow);
  if (holder) return { ok: false, holder };
  throw new GitError(['push'], pushed.stderr || pushed.stdout, 1);
}

/** How to say who holds a lease, and what a person does about it. */
export function describeLease(l: Lease): string {
  const who = l.run ? `run ${l.run}${l.runUrl ? ` (${l.runUrl})` : ''}` : `commit ${l.sha.slice(0, 12)}`;
  return [
    `the records of ${l.flow} ${who}${l.takenAt ? `, started ${l.takenAt}` : ''} have not landed on the default branch (the lease branch ${leaseBranch(l.flow)} still exists)${l.changes ? `; it was to apply ${l.changes}` : ''}.`,
    `nothing is started until a person decides:`,
    `  - if that run uploaded its records artifact (opsgate-records-${l.flow}-${l.run ?? 'RUN'}), land it: run the ${l.flow} workflow with the input land-run=${l.run ?? 'RUN'};`,
    `  - if it did not (the runner died), check the hosts it was working on (host markers, 'opsgate apply CHG --resume'), then delete the branch ${leaseBranch(l.flow)}.`,
  ].join('\n');
}
