/** The account opsgate logs in with is never managed by converge access. Pure. */
import type { AccessPolicy } from './access.ts';

/** A policy that would manage the login account's authorized_keys: why it is refused, or undefined. */
export function loginAccountProblem(policy: Pick<AccessPolicy, 'accounts'>, loginUser: string): string | undefined {
  return policy.accounts.some((a) => a.account === loginUser) ? `the policy manages ~${loginUser}/.ssh/authorized_keys, the account opsgate logs in with; nothing was changed on this host` : undefined;
}
