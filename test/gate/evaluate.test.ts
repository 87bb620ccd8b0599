import { describe, expect, it } from 'vitest';
import { evaluateGate, staleness } from '../../scripts/gate/evaluate.ts';
import { matchCondition, type Subject } from '../../scripts/gate/match.ts';
import type { ApprovalPolicy, ChangedDocument, ChangeSummary, GateInput, Person, PrFacts, ReviewFact, RuleCondition } from '../../scripts/gate/types.ts';

/** Pure table tests: plain values in, explained tree out. No GitHub, no files. */

const HEAD = 'h'.repeat(40);
const C1 = 'c'.repeat(40);
const people: Person[] = [
  { id: 'ann', name: 'Ann', github: 'ann', status: 'active' },
  { id: 'bob', name: 'Bob', github: 'bob', status: 'active' },
  { id: 'cat', name: 'Cat', github: 'cat', status: 'active' },
  { id: 'dan', name: 'Dan', github: 'dan', status: 'active' },
  { id: 'eve', name: 'Eve', github: 'eve', status: 'left', left_on: '2026-01-01' },
  { id: 'fay', name: 'Fay', github: 'fay', status: 'active' },
];
const policy: ApprovalPolicy = {
  id: 'approval',
  teams: {
    ops: { title: 'Ops', members: ['ann', 'bob', 'eve'] },
    leads: { title: 'Leads', members: ['bob', 'cat'] },
    sec: { title: 'Security', members: ['dan'] },
  },
  governance: {
    paths: [],
    require: {
      all: [
        { count: 1, from: { teams: ['leads'] } },
        { count: 1, from: { teams: ['sec'] } },
      ],
    },
  },
  emergency: { require: { count: 1, from: { teams: ['leads'] } }, retro_review_within_hours: 48 },
  rules: [
    { id: 'changes', title: 'Changes', if: { kinds: ['change'] }, require: { count: 1, from: { teams: ['ops'] } } },
    { id: 'risky', title: 'Risky', if: { kinds: ['change'], risk_at_least: 'high' }, require: { count: 2, from: { teams: ['ops', 'leads'] } } },
    { id: 'owners', title: 'Owners', if: { kinds: ['change'], envs: ['prod'] }, require: { count: 1, from: { group_owners: true } }, emergency: 'full' },
    {
      id: 'docs',
      title: 'Docs',
      if: { paths: ['runbooks/**'] },
      require: {
        any: [
          { count: 1, from: { people: ['fay'] } },
          { count: 2, from: { teams: ['ops'] } },
        ],
      },
    },
  ],
};

function change(over: Partial<ChangeSummary> = {}): ChangeSummary {
  return { id: 'CHG-1', title: 't', type: 'normal', risk: 'low', targets: { hosts: [], groups: ['web'] }, steps: 1, rollback: 1, prechecks: 0, verification: 0, implementer: 'fay', ...over };
}
function doc(path: string, c?: ChangeSummary, envs: ChangedDocument['envs'] = ['staging']): ChangedDocument {
  return { path, kind: c ? 'change' : path.startsWith('runbooks/') ? 'runbook' : 'file', status: 'modified', envs, groups: c ? c.targets.groups : [], problems: [], ...(c ? { change: c } : {}) };
}
let rid = 0;
function review(login: string, state: ReviewFact['state'], over: Partial<ReviewFact> = {}): ReviewFact {
  rid++;
  return { id: rid, login, user_type: 'User', state, commit_id: HEAD, submitted_at: new Date(Date.UTC(2026, 10, 1, 0, rid)).toISOString(), ...over };
}
function input(
  o: {
    docs?: ChangedDocument[];
    reviews?: ReviewFact[];
    author?: string;
    commits?: PrFacts['commits'];
    changedSince?: PrFacts['changed_since'];
    pol?: ApprovalPolicy;
    freezes?: GateInput['freezes'];
  } = {},
): GateInput {
  const docs = o.docs ?? [doc('changes/2026/CHG-1.yaml', change())];
  return {
    policy: o.pol ?? policy,
    policy_commit: 'b'.repeat(40),
    policy_file: 'policies/approval.yaml',
    calendar_file: 'policies/calendar.yaml',
    people,
    groups: [
      { id: 'web', owners: ['cat'] },
      { id: 'empty', owners: [] },
    ],
    freezes: o.freezes ?? [],
    now: new Date('2026-11-27T00:00:00Z'),
    problems: [],
    pr: {
      repository: 'o/r',
      number: 1,
      author: { login: o.author ?? 'zed', type: 'User' },
      base: { ref: 'main', sha: 'b'.repeat(40) },
      head: { sha: HEAD },
      commits: o.commits ?? [{ sha: HEAD, author_login: o.author ?? 'zed', committer_login: 'web-flow' }],
      files: docs.map((d) => ({ path: d.path, status: d.status })),
      documents: docs,
      reviews: o.reviews ?? [],
      changed_since: o.changedSince ?? {},
    },
  };
}
const ruleOf = (r: ReturnType<typeof evaluateGate>, id: string) => r.rules.find((x) => x.id === id);

describe('who counts', () => {
  it.each([
    ['the author', { author: 'ann' }, 'author'],
    ['a commit author', { commits: [{ sha: HEAD, author_login: 'ann', committer_login: 'web-flow' }] }, 'contributor'],
    ['a committer', { commits: [{ sha: HEAD, author_login: 'zed', committer_login: 'ann' }] }, 'contributor'],
    ['the implementer', { docs: [doc('changes/2026/CHG-1.yaml', change({ implementer: 'ann' }))] }, 'implementer'],
  ] as const)('%s cannot approve', (_, o, reason) => {
    const r = evaluateGate(input({ ...(o as Parameters<typeof input>[0]), reviews: [review('ann', 'APPROVED')] }));
    expect(r.ignored.map((i) => i.reason)).toEqual([reason]);
    expect(ruleOf(r, 'changes')!.status).toBe('pending');
  });

  it.each([
    ['a Bot account', review('ann', 'APPROVED', { user_type: 'Bot' }), 'bot'],
    ['a [bot] login', review('dependabot[bot]', 'APPROVED'), 'bot'],
    ['an unknown login', review('stranger', 'APPROVED'), 'unknown_user'],
    ['someone who left', review('eve', 'APPROVED'), 'inactive'],
    ['a comment', review('ann', 'COMMENTED'), 'comment'],
    ['a dismissed review', review('ann', 'DISMISSED'), 'dismissed'],
  ])('%s does not count', (_, rv, reason) => {
    const r = evaluateGate(input({ reviews: [rv] }));
    expect(r.ignored.map((i) => i.reason)).toEqual([reason]);
    expect(ruleOf(r, 'changes')!.requirement.approvers).toEqual([]);
  });

  it('someone outside the rule is not eligible for it', () => {
    const r = evaluateGate(input({ reviews: [review('dan', 'APPROVED')] }));
    expect(ruleOf(r, 'changes')!.ignored.map((i) => [i.person, i.reason])).toEqual([['dan', 'not_eligible']]);
  });

  it('a person in two teams counts once towards a count', () => {
    const docs = [doc('changes/2026/CHG-1.yaml', change({ risk: 'high' }))];
    const one = evaluateGate(input({ docs, reviews: [review('bob', 'APPROVED')] }));
    expect(ruleOf(one, 'risky')!.requirement).toMatchObject({ status: 'pending', missing: 1 });
    const two = evaluateGate(input({ docs, reviews: [review('bob', 'APPROVED'), review('cat', 'APPROVED')] }));
    expect(ruleOf(two, 'risky')!.status).toBe('satisfied');
  });

  it('only the latest decisive review of each person counts', () => {
    const r = evaluateGate(input({ reviews: [review('ann', 'CHANGES_REQUESTED'), review('ann', 'APPROVED'), review('ann', 'COMMENTED')] }));
    expect(r.ignored.map((i) => i.reason)).toEqual(['superseded', 'comment']);
    expect(ruleOf(r, 'changes')!.status).toBe('satisfied');
    expect(r.veto.status).toBe('satisfied');
  });

  it('a dismissal withdraws an earlier approval', () => {
    const r = evaluateGate(input({ reviews: [review('ann', 'APPROVED'), review('ann', 'DISMISSED')] }));
    expect(ruleOf(r, 'changes')!.status).toBe('pending');
  });
});

describe('requirements', () => {
  it.each([
    [['fay'], 'satisfied'],
    [['ann'], 'pending'],
    [['ann', 'bob'], 'satisfied'],
  ])('any-of: approvals %j → %s', (who, status) => {
    const r = evaluateGate(input({ docs: [doc('runbooks/x.md')], reviews: who.map((w) => review(w, 'APPROVED')) }));
    expect(ruleOf(r, 'docs')!.status).toBe(status);
  });

  it('all-of needs every part; the tree says what is still needed', () => {
    const r = evaluateGate(input({ docs: [doc('scripts/x.ts')], reviews: [review('cat', 'APPROVED')] }));
    const gov = ruleOf(r, 'governance')!;
    expect(gov.status).toBe('pending');
    expect(gov.requirement.children!.map((c) => c.status)).toEqual(['satisfied', 'pending']);
    expect(gov.requirement.still_needed_from).toEqual(['dan']);
  });

  it('fails (not pending) when too few eligible people remain', () => {
    // sec has only dan; dan is the author.
    const r = evaluateGate(input({ docs: [doc('.github/workflows/x.yml')], author: 'dan', reviews: [review('cat', 'APPROVED')] }));
    expect(ruleOf(r, 'governance')!.status).toBe('failed');
    expect(r.status).toBe('failed');
  });

  it('group owners come from the target groups; a group without owners cannot be satisfied', () => {
    const prod = (groups: string[]) => [doc('changes/2026/CHG-1.yaml', change({ targets: { hosts: [], groups } }), ['prod'])];
    expect(ruleOf(evaluateGate(input({ docs: prod(['web']), reviews: [review('cat', 'APPROVED')] })), 'owners')!.status).toBe('satisfied');
    expect(ruleOf(evaluateGate(input({ docs: prod(['web']), reviews: [review('ann', 'APPROVED')] })), 'owners')!.status).toBe('pending');
    expect(ruleOf(evaluateGate(input({ docs: prod(['empty']) })), 'owners')!.status).toBe('failed');
  });
});

describe('matching', () => {
  const s = (d: ChangedDocument, previous?: string): Subject => ({ file: { path: d.path, status: d.status, ...(previous ? { previous_path: previous } : {}) }, doc: d });
  const c = doc('changes/2026/CHG-1.yaml', change({ risk: 'medium', derived_risk: 'high' }), ['prod']);
  it.each<[string, RuleCondition, Subject, boolean]>([
    ['kind', { kinds: ['change'] }, s(c), true],
    ['other kind', { kinds: ['host'] }, s(c), false],
    ['type', { change_types: ['normal'] }, s(c), true],
    ['effective risk uses the derived risk', { risk_at_least: 'high' }, s(c), true],
    ['declared risk alone', { declared_risk_at_least: 'high' }, s(c), false],
    ['derived risk', { derived_risk_at_least: 'high' }, s(c), true],
    ['env', { envs: ['prod'] }, s(c), true],
    ['env miss', { envs: ['dev'] }, s(c), false],
    ['group', { groups: ['web'] }, s(c), true],
    ['path', { paths: ['changes/**'] }, s(c), true],
    ['renamed from a matching path', { paths: ['policies/**'] }, s(doc('archive/a.yaml'), 'policies/a.yaml'), true],
    ['all conditions must hold', { kinds: ['change'], envs: ['dev'] }, s(c), false],
    ['risk on a non-change', { risk_at_least: 'low' }, s(doc('runbooks/a.md')), false],
  ])('%s', (_, cond, subject, expected) => {
    expect(matchCondition(cond, subject) !== undefined).toBe(expected);
  });

  it('governance paths apply even when the policy leaves them out', () => {
    const r = evaluateGate(input({ docs: [doc('policies/approval.yaml'), doc('policies/access/people/ann.yaml'), doc('.ci/run')] }));
    expect(ruleOf(r, 'governance')!.matched_files).toEqual(['policies/approval.yaml', 'policies/access/people/ann.yaml', '.ci/run']);
  });

  it('a file no rule covers fails the gate', () => {
    const r = evaluateGate(input({ docs: [doc('notes/readme.txt')] }));
    expect(r.uncovered_files).toEqual(['notes/readme.txt']);
    expect(r.status).toBe('failed');
  });
});

describe('staleness', () => {
  it.each([
    ['approved on head', HEAD, {}, ['a'], false],
    ['governed file changed since', C1, { [C1]: ['a'] }, ['a'], true],
    ['unrelated file changed since', C1, { [C1]: ['b'] }, ['a'], false],
    ['unknown changes (force-push, cap)', C1, { [C1]: null }, ['a'], true],
    ['commit never compared', C1, {}, ['a'], true],
  ] as const)('%s', (_, commit, changed, governed, stale) => {
    expect(staleness(commit, HEAD, changed as Record<string, string[] | null>, governed) !== undefined).toBe(stale);
  });
});

describe('veto', () => {
  it.each([
    ['an active person blocks', 'dan', undefined, 'failed'],
    ['someone who left does not', 'eve', undefined, 'satisfied'],
    ['an unknown login does not', 'stranger', undefined, 'satisfied'],
    ['disabled in the policy', 'dan', { enabled: false }, 'satisfied'],
    ['outside disapproval.from', 'dan', { enabled: true, from: { teams: ['ops'] } }, 'satisfied'],
    ['inside disapproval.from', 'ann', { enabled: true, from: { teams: ['ops'] } }, 'failed'],
  ] as const)('%s', (_, who, disapproval, status) => {
    const pol = { ...policy, ...(disapproval ? { disapproval: disapproval as ApprovalPolicy['disapproval'] } : {}) };
    const r = evaluateGate(input({ pol, reviews: [review('ann', 'APPROVED'), review(who, 'CHANGES_REQUESTED')] }));
    expect(r.veto.status).toBe(status);
  });
});

describe('emergency and freeze', () => {
  it('emergency changes use the reduced requirement, except where a rule says full', () => {
    const docs = [doc('changes/2026/CHG-1.yaml', change({ type: 'emergency', risk: 'high' }), ['prod'])];
    const r = evaluateGate(input({ docs, reviews: [review('cat', 'APPROVED')] }));
    expect(ruleOf(r, 'risky')!).toMatchObject({ emergency_reduced: true, status: 'satisfied' });
    expect(ruleOf(r, 'owners')!.emergency_reduced).toBe(false);
    expect(r.emergency).toEqual([{ change: 'CHG-1', retro_review_due: '2026-11-29T00:00:00.000Z' }]);
  });

  it('a rule matching an emergency and a normal change is not reduced', () => {
    const docs = [doc('changes/2026/CHG-1.yaml', change({ type: 'emergency' })), doc('changes/2026/CHG-2.yaml', change({ id: 'CHG-2' }))];
    const r = evaluateGate(input({ docs, reviews: [review('cat', 'APPROVED')] }));
    expect(ruleOf(r, 'changes')!.emergency_reduced).toBe(false);
  });

  const freeze = { id: 'f', title: 'F', start: '2026-12-10T00:00:00+08:00', end: '2026-12-11T00:00:00+08:00', allow_types: ['emergency' as const] };
  it.each([
    ['inside', '2026-12-10T10:00:00+08:00', '2026-12-10T11:00:00+08:00', 'normal', 1],
    ['overlapping the start', '2026-12-09T23:00:00+08:00', '2026-12-10T01:00:00+08:00', 'normal', 1],
    ['ending exactly at the start', '2026-12-09T23:00:00+08:00', '2026-12-10T00:00:00+08:00', 'normal', 0],
    ['after', '2026-12-11T00:00:00+08:00', '2026-12-11T01:00:00+08:00', 'normal', 0],
    ['inside but allowed', '2026-12-10T10:00:00+08:00', '2026-12-10T11:00:00+08:00', 'emergency', 0],
    ['inside, in another offset', '2026-12-10T02:00:00Z', '2026-12-10T03:00:00Z', 'standard', 1],
  ] as const)('window %s', (_, start, end, type, n) => {
    const docs = [doc('changes/2026/CHG-1.yaml', change({ type, window: { start, end } }))];
    const r = evaluateGate(input({ docs, freezes: [freeze], reviews: [review('ann', 'APPROVED'), review('cat', 'APPROVED')] }));
    expect(r.freezes).toHaveLength(n);
    if (n) expect(r.status).toBe('failed');
  });
});

describe('fail closed', () => {
  it('a problem reading anything fails the whole gate, whatever the approvals', () => {
    const i = input({ reviews: [review('ann', 'APPROVED')] });
    i.problems.push({ code: 'gate.github', message: 'GitHub list reviews failed (HTTP 502)' });
    const r = evaluateGate(i);
    expect(ruleOf(r, 'changes')!.status).toBe('satisfied');
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/^failed closed/);
  });
});
