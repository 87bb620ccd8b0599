import { buildSubjects, matchGovernance, matchRules, pathsOf, type Subject } from './match.ts';
import { eligiblePeople, evaluateRequirement, expandSet } from './requirement.ts';
import { classifyReviews, excludedPeople, isAuthorAccount, unidentifiedContributors, type CandidateReview } from './reviews.ts';
import type { ApprovalPolicy, FreezeViolation, GateInput, GateProblem, GateResult, IgnoredReview, NodeStatus, PrFacts, Requirement, RuleResult, VetoResult } from './types.ts';

/**
 * Decides whether the reviews on a pull request satisfy the approval policy.
 * Pure: every fact comes in `input`, time is `input.now`. Returns an explained
 * tree; a rule that cannot be evaluated fails inside the tree without hiding
 * the others, and anything unreadable fails the whole gate (fail closed).
 */
export function evaluateGate(given: GateInput): GateResult {
  const input: GateInput = { ...given, people: asOf(given.people, given.now) };
  const { policy, pr } = input;
  const problems: GateProblem[] = [...input.problems];
  for (const d of pr.documents) for (const p of d.problems) problems.push({ code: 'gate.document-unreadable', file: d.path, message: p });
  problems.push(...unidentifiedContributors(pr, input.people));

  const subjects = buildSubjects(pr.files, pr.documents, pr.related);
  const changes = pr.documents.flatMap((d) => (d.change && d.status !== 'removed' ? [d.change] : []));
  // The implementer of a change request that deploys a changed file may not approve that file either.
  const deploying = (pr.related ?? []).flatMap((r) => (r.doc.change ? [r.doc.change] : []));
  const implementers = new Set([...changes, ...deploying].flatMap((c) => (c.implementer ? [c.implementer] : [])));
  const classified = classifyReviews(pr, input.people, implementers, policy.min_reviewer_permission ?? 'write');
  const excluded = excludedPeople(pr, input.people, implementers);
  const owners = new Map(input.groups.map((g) => [g.id, g.owners]));

  const rules: RuleResult[] = [];
  const gov = matchGovernance(policy, subjects);
  if (gov.subjects.length) {
    rules.push(
      evaluateRule({ id: 'governance', title: 'Governance files (highest tier)', tier: 'governance', require: policy.governance?.require, reduced: false }, gov.subjects, gov.reasons, {
        input,
        owners,
        excluded,
        approvals: classified.approvals,
      }),
    );
  }
  const covered = new Set(gov.subjects.map((s) => s.file.path));
  for (const m of matchRules(policy, subjects)) {
    const allEmergency = m.subjects.every((s) => s.doc.change?.type === 'emergency' && s.doc.status !== 'removed');
    const reduced = !!policy.emergency && m.rule.emergency !== 'full' && allEmergency;
    m.subjects.forEach((s) => covered.add(s.file.path));
    rules.push(
      evaluateRule({ id: m.rule.id, title: m.rule.title, tier: 'rule', require: reduced ? policy.emergency!.require : m.rule.require, reduced }, m.subjects, m.reasons, {
        input,
        owners,
        excluded,
        approvals: classified.approvals,
      }),
    );
  }
  const uncovered = pr.files.map((f) => f.path).filter((p) => !covered.has(p));

  const veto = evaluateVeto(policy, input.policy_file, classified.changeRequests, pr.author, subjects, owners);
  const freezes = findFreezeViolations(input, problems);
  const emergency = changes
    .filter((c) => c.type === 'emergency')
    .map((c) => ({
      change: c.id,
      retro_review_due: c.emergency?.retro_review_due ?? new Date(input.now.getTime() + (policy.emergency?.retro_review_within_hours ?? 72) * 3600_000).toISOString(),
    }));

  const status = overallStatus(problems, freezes, uncovered, veto, rules, pr.files.length);
  return {
    status,
    summary: summarise(status, rules, veto, freezes, uncovered, problems, pr.files.length),
    repository: pr.repository,
    pr: pr.number,
    head_sha: pr.head.sha,
    base_ref: pr.base.ref,
    base_sha: pr.base.sha,
    policy_commit: input.policy_commit,
    evaluated_at: input.now.toISOString(),
    rules,
    veto,
    freezes,
    uncovered_files: uncovered,
    emergency,
    problems,
    ignored: classified.ignored,
    changes,
    bindings: pr.bindings ?? [],
    plans: pr.plans ?? [],
    ...(pr.backup_plans?.length ? { backup_plans: pr.backup_plans } : {}),
    names: Object.fromEntries(input.people.map((p) => [p.id, { name: p.name, login: p.github }])),
  };
}

interface RuleSpec {
  id: string;
  title: string;
  tier: RuleResult['tier'];
  require: Requirement | undefined;
  reduced: boolean;
}

interface RuleEnv {
  input: GateInput;
  owners: Map<string, string[]>;
  excluded: Map<string, string>;
  approvals: CandidateReview[];
}

function evaluateRule(spec: RuleSpec, subjects: Subject[], reasons: string[], env: RuleEnv): RuleResult {
  const files = [...new Set(subjects.flatMap(pathsOf))];
  const groupOwners = new Map<string, string[]>();
  for (const g of new Set(subjects.flatMap((s) => s.doc.groups))) groupOwners.set(g, env.owners.get(g) ?? []);
  const base = { id: spec.id, title: spec.title, tier: spec.tier, matched_files: files, match_reasons: reasons, emergency_reduced: spec.reduced };
  if (!spec.require) {
    const why = 'the policy names no requirement for this tier; nothing can satisfy it (fail closed)';
    return { ...base, status: 'failed', why, ignored: [], requirement: { type: 'leaf', status: 'failed', description: 'undefined', approvers: [], still_needed_from: [], missing: 1, why } };
  }
  const ctx = { policy: env.input.policy, policyFile: env.input.policy_file, groupOwners };
  const eligible = eligiblePeople(spec.require, ctx);
  const ignored: IgnoredReview[] = [];
  const fresh: CandidateReview[] = [];
  for (const a of env.approvals) {
    const r = a.review;
    const common = { login: r.login, person: a.person.id, review_id: r.id, state: r.state };
    if (!eligible.has(a.person.id)) {
      ignored.push({ ...common, reason: 'not_eligible', detail: `${a.person.id} is not among those who may approve this rule` });
      continue;
    }
    const stale = staleness(r.commit_id, env.input.pr.head.sha, env.input.pr.changed_since, files);
    if (stale) ignored.push({ ...common, reason: 'stale', detail: stale });
    else fresh.push(a);
  }
  const requirement = evaluateRequirement(spec.require, { ...ctx, approvals: fresh, excluded: env.excluded });
  const why = `${spec.reduced ? 'emergency change: reduced approval applies; ' : ''}${requirement.why}`;
  return { ...base, status: requirement.status, why, requirement, ignored };
}

/** Why an approval no longer covers the rule's files, or undefined when it still does. */
export function staleness(commit: string | null, head: string, changedSince: Record<string, string[] | null>, governed: readonly string[]): string | undefined {
  if (!commit) return 'the review names no commit; approve again';
  // Whole ids, in any case (the edge lowers GitHub's): a prefix or another length never matches.
  if (commit.toLowerCase() === head.toLowerCase()) return undefined;
  const changed = changedSince[commit];
  if ((changed === undefined || changed === null) && !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(commit))
    return `the review names ${JSON.stringify(commit.slice(0, 80))}, which is not a whole commit id (40 or 64 hex digits); approve again`;
  if (changed === undefined || changed === null) return `cannot tell what changed since ${commit.slice(0, 7)} (not in this pull request any more, or too large to compare); approve again`;
  const set = new Set(governed);
  const hit = changed.filter((p) => set.has(p));
  return hit.length ? `approved ${commit.slice(0, 7)}; since then ${hit.slice(0, 5).join(', ')}${hit.length > 5 ? ` and ${hit.length - 5} more` : ''} changed` : undefined;
}

function evaluateVeto(
  policy: ApprovalPolicy,
  policyFile: string,
  requests: ReturnType<typeof classifyReviews>['changeRequests'],
  author: PrFacts['author'],
  subjects: Subject[],
  owners: Map<string, string[]>,
): VetoResult {
  if (policy.disapproval && !policy.disapproval.enabled) return { status: 'satisfied', why: 'disapproval is switched off in the policy', blockers: [] };
  let allowed: Set<string> | undefined;
  if (policy.disapproval?.from) {
    const groupOwners = new Map<string, string[]>();
    for (const g of new Set(subjects.flatMap((s) => s.doc.groups))) groupOwners.set(g, owners.get(g) ?? []);
    allowed = new Set(expandSet(policy.disapproval.from, { policy, policyFile, groupOwners }).people);
  }
  const blockers = requests
    .filter(({ review, person }) => person && person.status === 'active' && !isAuthorAccount(review, author) && (!allowed || allowed.has(person.id)))
    .map(({ review, person }) => ({ login: review.login, person: person!.id, review_id: review.id, submitted_at: review.submitted_at }));
  if (!blockers.length) return { status: 'satisfied', why: 'no eligible reviewer has requested changes', blockers };
  return {
    status: 'failed',
    why: `changes requested by ${blockers.map((b) => b.person).join(', ')}; blocks until ${blockers.length > 1 ? 'each of them approves' : 'they approve'} (or the review is dismissed)`,
    blockers,
  };
}

function findFreezeViolations(input: GateInput, problems: GateProblem[]): FreezeViolation[] {
  const out: FreezeViolation[] = [];
  for (const d of input.pr.documents) {
    const c = d.change;
    if (!c || d.status === 'removed' || !c.window) continue;
    const ws = Date.parse(c.window.start);
    const we = Date.parse(c.window.end);
    if (Number.isNaN(ws) || Number.isNaN(we)) {
      problems.push({ code: 'gate.window-unreadable', file: d.path, message: `window ${c.window.start} – ${c.window.end} is not a pair of ISO 8601 date-times with offset` });
      continue;
    }
    for (const f of input.freezes) {
      const fs = Date.parse(f.start);
      const fe = Date.parse(f.end);
      if (Number.isNaN(fs) || Number.isNaN(fe)) {
        problems.push({ code: 'gate.freeze-unreadable', file: input.calendar_file, message: `freeze ${f.id} has an unreadable start or end` });
        continue;
      }
      if (ws < fe && we > fs && !f.allow_types.includes(c.type)) {
        out.push({
          change: c.id,
          file: d.path,
          freeze: f.id,
          title: f.title,
          type: c.type,
          why: `window ${c.window.start} – ${c.window.end} overlaps freeze ${f.id} (${f.start} – ${f.end}), which allows only ${f.allow_types.join(', ') || 'no'} changes`,
        });
      }
    }
  }
  return out;
}

function overallStatus(problems: GateProblem[], freezes: FreezeViolation[], uncovered: string[], veto: VetoResult, rules: RuleResult[], files: number): NodeStatus {
  if (problems.length || freezes.length || uncovered.length || veto.status === 'failed') return 'failed';
  if (rules.some((r) => r.status === 'failed')) return 'failed';
  if (files === 0 || rules.some((r) => r.status === 'pending')) return 'pending';
  return 'satisfied';
}

function summarise(status: NodeStatus, rules: RuleResult[], veto: VetoResult, freezes: FreezeViolation[], uncovered: string[], problems: GateProblem[], files: number): string {
  if (problems.length) return `failed closed: ${problems[0]!.message}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`;
  if (freezes.length) return `change window in a freeze: ${freezes.map((f) => `${f.change} in ${f.freeze}`).join(', ')}`;
  if (uncovered.length) return `no rule covers ${uncovered.length} changed file${uncovered.length > 1 ? 's' : ''} (${uncovered.slice(0, 3).join(', ')})`;
  if (veto.status === 'failed') return veto.why;
  if (files === 0) return 'the pull request changes no files';
  const done = rules.filter((r) => r.status === 'satisfied').length;
  if (status === 'satisfied') return `all ${rules.length} rule${rules.length > 1 ? 's' : ''} satisfied`;
  const failed = rules.filter((r) => r.status === 'failed').map((r) => r.id);
  if (failed.length) return `cannot be satisfied: ${failed.join(', ')}`;
  return `${done} of ${rules.length} rules satisfied; waiting for ${rules
    .filter((r) => r.status === 'pending')
    .map((r) => r.id)
    .join(', ')}`;
}

/**
 * People as of `now`: one whose `left_on` date has come is gone, whatever `status` still says (the status is often
 * set later). A date has come once it has begun anywhere (UTC+14), so nobody counts on the day they leave.
 */
function asOf(people: GateInput['people'], now: Date): GateInput['people'] {
  const today = new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
  return people.map((p) => (p.status === 'active' && p.left_on && /^\d{4}-\d{2}-\d{2}$/.test(p.left_on) && p.left_on <= today ? { ...p, status: 'left' as const } : p));
}
