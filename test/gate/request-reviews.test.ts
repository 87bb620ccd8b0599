import { describe, expect, it } from 'vitest';
import { LOGIN, changePath, changeYaml, gate, openPr, runGateCli, user, useHarness } from './helpers.ts';
import { reviewersToRequest } from '../../scripts/gate/review-requests.ts';
import type { GateResult } from '../../scripts/gate/types.ts';

/**
 * `opsgate gate --request-reviews`: GitHub asks the people a pending rule still
 * needs to review, through the real Octokit client against the local GitHub
 * server (which answers "Request reviewers for a pull request" as documented:
 * 201, or 422 for the author or a non-collaborator, refusing the whole request).
 */
const h = useHarness();

const posts = () => h.gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/requested_reviewers'));
const requested = (pr: number) => [...h.repo.pull(pr).requested].sort();
const publish = (pr: number, ...extra: string[]) => runGateCli(h, ['--pr', String(pr), '--format', 'github', ...extra]);

/** Every login a pending rule of `r` still needs (the people the sticky comment names as still needed). */
function stillNeeded(r: GateResult): string[] {
  const ids = new Set<string>();
  const walk = (n: GateResult['rules'][number]['requirement']) => {
    if (n.status !== 'pending') return;
    for (const id of n.still_needed_from) ids.add(id);
    for (const c of n.children ?? []) walk(c);
  };
  for (const rule of r.rules) if (rule.status === 'pending') walk(rule.requirement);
  return [...ids]
    .map((id) => r.names[id]?.login ?? '')
    .filter(Boolean)
    .sort();
}

describe('requesting reviews from the people still needed', () => {
  it('asks exactly the people a pending rule still needs, by login: never the author, the implementer or someone who left', async () => {
    openPr(h, 60, 'li-na', { [changePath()]: changeYaml({ implementer: 'zhao-min' }) });
    const expected = stillNeeded(await gate(h, 60));
    expect(expected.length).toBeGreaterThan(0);
    const run = await publish(60, '--request-reviews');
    expect(run.code, run.stderr).toBe(1);
    expect(requested(60)).toEqual(expected);
    expect(requested(60)).toContain(LOGIN['zhang-wei']);
    expect(requested(60)).toContain(LOGIN['chen-jie']);
    for (const not of ['li-na', 'zhao-min', 'sun-hao'] as const) expect(requested(60)).not.toContain(LOGIN[not]);
    expect(posts()).toHaveLength(1);
    expect(run.stderr).toContain(`requested reviews on #60 from ${expected.join(', ')}`);
    // The status is published as without the option.
    expect(h.repo.statuses.at(-1)).toMatchObject({ state: 'pending', context: 'opsgate/approval (main)' });
  });

  it('asks nobody without --request-reviews', async () => {
    openPr(h, 61, 'li-na', { [changePath()]: changeYaml() });
    const run = await publish(61);
    expect(run.code).toBe(1);
    expect(posts()).toHaveLength(0);
    expect(requested(61)).toEqual([]);
  });

  it('asks nobody when the pull request is satisfied', async () => {
    openPr(h, 62, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(62, user('chen-jie'), 'APPROVED');
    const run = await publish(62, '--request-reviews');
    expect(run.code).toBe(0);
    expect(posts()).toHaveLength(0);
  });

  it('asks each person once per head: not while still requested, not after they reviewed the head, again after a push', async () => {
    openPr(h, 63, 'li-na', { [changePath()]: changeYaml() });
    await publish(63, '--request-reviews');
    expect(posts()).toHaveLength(1);
    const first = requested(63);

    // Evaluated again (the review relay, a reopen): everyone asked is still requested; nobody is asked twice.
    await publish(63, '--request-reviews');
    expect(posts()).toHaveLength(1);

    // chen-jie comments on the head: GitHub drops him from the requested list; he saw this head, he is not asked again.
    h.repo.review(63, user('chen-jie'), 'COMMENTED');
    expect(requested(63)).not.toContain(LOGIN['chen-jie']);
    await publish(63, '--request-reviews');
    expect(posts()).toHaveLength(1);

    // A push: chen-jie's review is of an older commit; he is asked to look again, and only he.
    h.repo.push(63, { 'runbooks/extra.md': '# extra\n' }, user('li-na'));
    const run = await publish(63, '--request-reviews');
    expect(posts()).toHaveLength(2);
    expect(run.stderr).toContain(`requested reviews on #63 from ${LOGIN['chen-jie']}`);
    expect(requested(63)).toEqual(first);
  });

  it('a person GitHub will not ask (not a collaborator) is reported; the others are still asked and the decision stands', async () => {
    openPr(h, 64, 'li-na', { [changePath()]: changeYaml() });
    h.repo.permissions.set(LOGIN['chen-jie'], 'none');
    const run = await publish(64, '--request-reviews');
    expect(run.code).toBe(1);
    expect(requested(64)).toContain(LOGIN['zhang-wei']);
    expect(requested(64)).not.toContain(LOGIN['chen-jie']);
    expect(run.stderr).toMatch(new RegExp(`could not request a review from ${LOGIN['chen-jie']}.*collaborator`));
    expect(h.repo.statuses.at(-1)).toMatchObject({ state: 'pending', context: 'opsgate/approval (main)' });
  });

  it('a token that may not request reviews leaves a warning, never a changed decision or a failed job', async () => {
    openPr(h, 65, 'li-na', { [changePath()]: changeYaml() });
    h.gh.fail({ method: 'POST', path: /\/requested_reviewers$/, kind: 'status', status: 403, times: Infinity });
    const run = await publish(65, '--request-reviews');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/could not request reviews on #65.*403/);
    expect(h.repo.statuses.at(-1)).toMatchObject({ state: 'pending' });
    expect([...h.repo.comments.values()].filter((c) => c.issue === 65)).toHaveLength(1);
  });
});

describe('who is asked (pure)', () => {
  const result = (over: Partial<GateResult> = {}): GateResult => ({
    status: 'pending',
    summary: '',
    repository: 'o/r',
    pr: 1,
    head_sha: 'h'.repeat(40),
    base_ref: 'main',
    base_sha: 'b'.repeat(40),
    policy_commit: 'b'.repeat(40),
    evaluated_at: '',
    rules: [
      {
        id: 'a',
        title: 'a',
        tier: 'rule',
        status: 'pending',
        why: '',
        matched_files: [],
        match_reasons: [],
        emergency_reduced: false,
        ignored: [],
        requirement: { type: 'leaf', status: 'pending', description: '', approvers: [], still_needed_from: ['p1', 'p2', 'nologin'], missing: 1, why: '' },
      },
      {
        id: 'b',
        title: 'b',
        tier: 'rule',
        status: 'satisfied',
        why: '',
        matched_files: [],
        match_reasons: [],
        emergency_reduced: false,
        ignored: [],
        requirement: { type: 'leaf', status: 'satisfied', description: '', approvers: [], still_needed_from: ['p3'], missing: 0, why: '' },
      },
      {
        id: 'c',
        title: 'c',
        tier: 'rule',
        status: 'failed',
        why: '',
        matched_files: [],
        match_reasons: [],
        emergency_reduced: false,
        ignored: [],
        requirement: { type: 'leaf', status: 'failed', description: '', approvers: [], still_needed_from: ['p4'], missing: 1, why: '' },
      },
    ],
    veto: { status: 'satisfied', why: '', blockers: [] },
    freezes: [],
    uncovered_files: [],
    emergency: [],
    problems: [],
    ignored: [],
    changes: [],
    bindings: [],
    plans: [],
    names: {
      p1: { name: 'P One', login: 'Pone' },
      p2: { name: 'P Two', login: 'ptwo' },
      p3: { name: 'P3', login: 'pthree' },
      p4: { name: 'P4', login: 'pfour' },
      nologin: { name: 'No Login', login: '' },
    },
    ...over,
  });

  it('asks the still-needed people of pending rules only, skips those requested or who reviewed the head (case-insensitive)', () => {
    expect(reviewersToRequest(result(), { requested: [], reviews: [] })).toEqual(['Pone', 'ptwo']);
    expect(reviewersToRequest(result(), { requested: ['PONE'], reviews: [] })).toEqual(['ptwo']);
    expect(reviewersToRequest(result(), { requested: [], reviews: [{ login: 'PTWO', commit_id: 'h'.repeat(40) }] })).toEqual(['Pone']);
    expect(reviewersToRequest(result(), { requested: [], reviews: [{ login: 'ptwo', commit_id: 'o'.repeat(40) }] })).toEqual(['Pone', 'ptwo']);
  });

  it('asks nobody unless the decision is pending', () => {
    expect(reviewersToRequest(result({ status: 'failed' }), { requested: [], reviews: [] })).toEqual([]);
    expect(reviewersToRequest(result({ status: 'satisfied' }), { requested: [], reviews: [] })).toEqual([]);
  });

  it('asks at most 15 people in one run', () => {
    const many = Array.from({ length: 40 }, (_, i) => `q${String(i).padStart(2, '0')}`);
    const r = result();
    r.rules[0]!.requirement.still_needed_from = many;
    r.names = Object.fromEntries(many.map((id) => [id, { name: id, login: id }]));
    expect(reviewersToRequest(r, { requested: [], reviews: [] })).toEqual(many.slice(0, 15));
  });
});
