/**
 * The commit status the gate publishes names the branch the pull request
 * merges into: a status is a property of a commit, and the same head commit
 * can be proposed into several branches under different policies. Branch
 * protection of `main` requires exactly `opsgate/approval (main)`, which no
 * evaluation of a pull request into another branch can set. Pure.
 */
export const STATUS_CONTEXT_PREFIX = 'opsgate/approval';

export function statusContext(baseRef: string): string {
  return `${STATUS_CONTEXT_PREFIX} (${baseRef})`;
}

/**
 * Why nothing is published for a pull request in this `state` (GitHub's `state`: `closed` for a merged one too), or
 * undefined for an open one. A status on a closed pull request's head would count for any open pull request with
 * that head (whose own gate sees no other OPEN pull request sharing it), or overwrite that one's status. Pure.
 */
export function notPublishable(pr: number, state: string): string | undefined {
  if (state === 'open') return undefined;
  const what = state ? `is ${state}` : 'names no state';
  return `pull request #${pr} ${what}: no status and no comment were published (a status belongs to the head commit, and one for a pull request that is not open would count for any open pull request with that head); the decision stands as printed and recorded`;
}
