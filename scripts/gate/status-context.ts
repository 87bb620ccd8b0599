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
