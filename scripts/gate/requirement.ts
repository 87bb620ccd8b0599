import type { ApprovalPolicy, Approver, ApproverSet, Requirement, RequirementLeaf, RequirementResult } from './types.ts';
import type { CandidateReview } from './reviews.ts';

export interface RequirementContext {
  policy: ApprovalPolicy;
  /** The policy's file as the repository spells it (policies/approval.yaml or .yml), named in problems. */
  policyFile: string;
  /** Owners of the inventory groups the rule's documents target, by group id. */
  groupOwners: Map<string, string[]>;
  /** Fresh approvals that survived every rule-independent check and staleness for this rule. */
  approvals: CandidateReview[];
  /** People who can never approve this PR, with the reason. */
  excluded: Map<string, string>;
}

export function isLeaf(r: Requirement): r is RequirementLeaf {
  return (r as RequirementLeaf).from !== undefined;
}

/** Everyone a set names, in a stable order, plus the problems (unknown teams, groups without owners). */
export function expandSet(set: ApproverSet, ctx: Pick<RequirementContext, 'policy' | 'policyFile' | 'groupOwners'>): { people: string[]; problems: string[] } {
  const people = new Set<string>();
  const problems: string[] = [];
  for (const t of set.teams ?? []) {
    const team = ctx.policy.teams[t];
    if (!team) problems.push(`team ${t} is not defined in ${ctx.policyFile}`);
    else team.members.forEach((m) => people.add(m));
  }
  (set.people ?? []).forEach((p) => people.add(p));
  if (set.group_owners) {
    if (ctx.groupOwners.size === 0) problems.push('the rule asks for group owners, but its documents target no inventory group');
    for (const [g, owners] of ctx.groupOwners) {
      if (owners.length === 0) problems.push(`inventory group ${g} has no owners`);
      owners.forEach((o) => people.add(o));
    }
  }
  return { people: [...people], problems };
}

export function describeSet(set: ApproverSet, groupOwners: Map<string, string[]>): string {
  const parts: string[] = [];
  if (set.teams?.length) parts.push(`team${set.teams.length > 1 ? 's' : ''} ${set.teams.join(', ')}`);
  if (set.people?.length) parts.push(set.people.join(', '));
  if (set.group_owners) parts.push(`owners of group${groupOwners.size === 1 ? '' : 's'} ${[...groupOwners.keys()].join(', ') || '(none)'}`);
  return parts.join(' or ') || 'nobody';
}

export function evaluateRequirement(req: Requirement, ctx: RequirementContext): RequirementResult {
  if (isLeaf(req)) return evaluateLeaf(req, ctx);
  const kind = 'all' in req ? 'all' : 'any';
  const children = ('all' in req ? req.all : req.any).map((c) => evaluateRequirement(c, ctx));
  const statuses = children.map((c) => c.status);
  let status: RequirementResult['status'];
  if (kind === 'all') status = statuses.includes('failed') ? 'failed' : statuses.includes('pending') ? 'pending' : 'satisfied';
  else status = statuses.includes('satisfied') ? 'satisfied' : statuses.includes('pending') ? 'pending' : 'failed';
  const approvers = dedupe(children.flatMap((c) => c.approvers));
  const done = children.filter((c) => c.status === 'satisfied').length;
  const why = kind === 'all' ? `all of ${children.length} requirements: ${done} satisfied` : `any of ${children.length} requirements: ${done ? 'one is satisfied' : 'none satisfied yet'}`;
  return {
    type: kind,
    status,
    description: children.map((c) => c.description).join(kind === 'all' ? ' AND ' : ' OR '),
    approvers,
    still_needed_from: status === 'satisfied' ? [] : [...new Set(children.filter((c) => c.status !== 'satisfied').flatMap((c) => c.still_needed_from))],
    missing: status === 'satisfied' ? 0 : kind === 'all' ? sum(children.map((c) => c.missing)) : Math.min(...children.map((c) => c.missing)),
    why,
    children,
  };
}

function evaluateLeaf(leaf: RequirementLeaf, ctx: RequirementContext): RequirementResult {
  const { people, problems } = expandSet(leaf.from, ctx);
  const eligible = new Set(people);
  const approvers = dedupe(
    ctx.approvals
      .filter((a) => eligible.has(a.person.id))
      .map((a) => ({ login: a.review.login, person: a.person.id, review_id: a.review.id, commit_id: a.review.commit_id, submitted_at: a.review.submitted_at })),
  );
  const approved = new Set(approvers.map((a) => a.person));
  const stillNeeded = people.filter((p) => !approved.has(p) && !ctx.excluded.has(p));
  const missing = Math.max(0, leaf.count - approvers.length);
  const description = `${leaf.count} of ${describeSet(leaf.from, ctx.groupOwners)}`;
  let status: RequirementResult['status'];
  let why: string;
  if (missing === 0) {
    status = 'satisfied';
    why = `approved by ${approvers.map((a) => a.person).join(', ')}`;
  } else if (stillNeeded.length < missing) {
    status = 'failed';
    const out = people.filter((p) => ctx.excluded.has(p)).map((p) => `${p} (${ctx.excluded.get(p)})`);
    why =
      `cannot be satisfied: ${missing} more approval${missing > 1 ? 's' : ''} needed but only ${stillNeeded.length} eligible ${stillNeeded.length === 1 ? 'person remains' : 'people remain'}` +
      (out.length ? `; cannot approve: ${out.join(', ')}` : '') +
      (problems.length ? `; ${problems.join('; ')}` : '');
  } else {
    status = 'pending';
    why = `${approvers.length} of ${leaf.count} approvals; ${missing} more from ${stillNeeded.join(', ')}`;
  }
  if (problems.length && status !== 'failed') why += ` (note: ${problems.join('; ')})`;
  return { type: 'leaf', status, description, count: leaf.count, approvers, still_needed_from: status === 'satisfied' ? [] : stillNeeded, missing, why };
}

/** Everyone any leaf of the requirement names; a review from outside this set is "not eligible" for the rule. */
export function eligiblePeople(req: Requirement, ctx: Pick<RequirementContext, 'policy' | 'policyFile' | 'groupOwners'>): Set<string> {
  if (isLeaf(req)) return new Set(expandSet(req.from, ctx).people);
  const out = new Set<string>();
  for (const c of 'all' in req ? req.all : req.any) eligiblePeople(c, ctx).forEach((p) => out.add(p));
  return out;
}

function dedupe(list: Approver[]): Approver[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.person) ? false : (seen.add(a.person), true)));
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
