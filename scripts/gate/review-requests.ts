/**
 * Whom the gate asks GitHub to request a review from (`opsgate gate
 * --request-reviews`): the people a pending rule still needs, by GitHub login.
 * Pure: the edge reads who is already requested and who reviewed, and makes
 * the request.
 *
 * Asked: every person a pending requirement still needs (the comment's "still
 * needed" column: eligible, not the author, a contributor, an implementer, a
 * bot, or someone who left), only while the whole decision is pending (a
 * satisfied one needs nobody; a failed one needs a fix first, not reviewers).
 * Not asked: people without a login, people GitHub already lists as
 * requested, and people who reviewed the current head (they saw it; asking
 * again on every evaluation would notify them again and again). A person whose
 * review is of an older commit is asked again, like GitHub's "re-request".
 */
import type { GateResult, RequirementResult } from './types.ts';

/** At most this many people are asked in one evaluation (a big team is not paged all at once). */
export const MAX_REVIEW_REQUESTS = 15;

export interface ReviewState {
  /** Logins GitHub lists as requested reviewers now. */
  requested: string[];
  /** Every review of the pull request: who, and of which commit. */
  reviews: { login: string; commit_id: string | null }[];
}

export function reviewersToRequest(result: GateResult, state: ReviewState): string[] {
  if (result.status !== 'pending') return [];
  const ids = new Set<string>();
  const walk = (n: RequirementResult) => {
    if (n.status !== 'pending') return;
    for (const id of n.still_needed_from) ids.add(id);
    for (const c of n.children ?? []) walk(c);
  };
  for (const rule of result.rules) if (rule.status === 'pending') walk(rule.requirement);

  const skip = new Set(state.requested.map((l) => l.toLowerCase()));
  for (const r of state.reviews) if (r.commit_id === result.head_sha && r.login) skip.add(r.login.toLowerCase());
  const logins = new Map<string, string>();
  for (const id of ids) {
    const login = result.names[id]?.login ?? '';
    if (login && !skip.has(login.toLowerCase())) logins.set(login.toLowerCase(), login);
  }
  return [...logins.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, login]) => login)
    .slice(0, MAX_REVIEW_REQUESTS);
}
