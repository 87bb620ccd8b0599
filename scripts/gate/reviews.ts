import type { GateProblem, IgnoredReview, Person, PrFacts, ReviewFact } from './types.ts';
import { personFile } from './person-file.ts';

/** A review that survives every rule-independent check: the latest decisive review of an eligible human. */
export interface CandidateReview {
  review: ReviewFact;
  person: Person;
}

export interface ReviewClassification {
  approvals: CandidateReview[];
  /** Latest decisive review is CHANGES_REQUESTED (before any veto eligibility check). */
  changeRequests: { review: ReviewFact; person: Person | undefined }[];
  ignored: IgnoredReview[];
}

/** Not a person's account: only GitHub's `User` accounts are people (a `Bot`, in any case, an `Organization`, a `Mannequin` ... never counts). */
export function isBot(login: string, type: string): boolean {
  return type !== 'User' || /\[bot\]$/i.test(login);
}

/**
 * The ids of everyone who is the same human as one of `ids`: people files that share an e-mail (in any case) or a
 * GitHub account id are one person with several accounts, so the author's second account is the author too.
 */
export function samePeople(people: readonly Person[], ids: Iterable<string>): Map<string, string> {
  const key = (p: Person) => [...(p.email ? [`e:${p.email.trim().toLowerCase()}`] : []), ...(p.github_id !== undefined ? [`g:${p.github_id}`] : [])];
  const out = new Map<string, string>();
  const todo = [...ids];
  for (const id of todo) if (!out.has(id)) out.set(id, id);
  for (let i = 0; i < todo.length; i++) {
    const p = people.find((x) => x.id === todo[i]);
    if (!p) continue;
    const keys = new Set(key(p));
    for (const q of people)
      if (!out.has(q.id) && key(q).some((k) => keys.has(k))) {
        out.set(q.id, out.get(p.id)!);
        todo.push(q.id);
      }
  }
  return out;
}

/**
 * Whether a review's account is the pull request's author. By the immutable account id when GitHub names one on
 * both sides: a login can be renamed away and registered again, so the author's account under another login is
 * the author, and another account under the login the pull request shows is not. By login only when an id is
 * missing on either side.
 */
export function isAuthorAccount(r: { login: string; user_id?: number }, author: PrFacts['author']): boolean {
  if (author.id !== undefined && r.user_id !== undefined) return r.user_id === author.id;
  return !!author.login.trim() && r.login.toLowerCase() === author.login.toLowerCase();
}

/**
 * The person who opened the pull request: the one pinned to the author's account id, else the one whose login it
 * is, unless that person is pinned to another account (then the login is no longer theirs, as for reviews).
 */
export function authorPersonOf(author: PrFacts['author'], people: readonly Person[]): Person | undefined {
  if (author.id !== undefined) {
    const pinned = people.find((p) => p.github_id === author.id);
    if (pinned) return pinned;
  }
  const named = indexPeople(people).get(author.login.toLowerCase());
  return named && (named.github_id === undefined || author.id === undefined || named.github_id === author.id) ? named : undefined;
}

/** People by GitHub login (lower-case). A person without a login is in no index: no review can be theirs. */
export function indexPeople(people: readonly Person[]): Map<string, Person> {
  return new Map(people.filter((p) => p.github.trim() !== '').map((p) => [p.github.toLowerCase(), p]));
}

const ROLES = ['none', 'read', 'triage', 'write', 'maintain', 'admin'];

/** GitHub's own noreply address names the login: `12345+login@users.noreply.github.com` (an app's: `12345+name[bot]@…`). */
function loginOfEmail(email: string): string | undefined {
  return /^(?:\d+\+)?([A-Za-z0-9-]+(?:\[bot\])?)@users\.noreply\.github\.com$/i.exec(email.trim())?.[1]?.toLowerCase();
}

/**
 * Everyone who wrote the pull request, as policy-bot counts contributors: commit
 * authors and committers by login, by e-mail matched against people's e-mails
 * (a commit whose e-mail maps to no GitHub account still names its author), and
 * every `Co-authored-by:` trailer. Returns logins and person ids, and the identities that map to nobody
 * (see unidentifiedContributors).
 */
export function contributorsOf(pr: PrFacts, people: readonly Person[]): { logins: Set<string>; accounts: Set<number>; people: Set<string>; unidentified: UnidentifiedContributor[] } {
  const byEmail = new Map(people.filter((p) => p.email).map((p) => [p.email!.toLowerCase(), p.id]));
  const byLogin = indexPeople(people);
  const logins = new Set<string>();
  const ids = new Set<string>();
  const unidentified: UnidentifiedContributor[] = [];
  /** Adds what the e-mail names; false when it names nobody (no person's e-mail, no GitHub noreply address). */
  const email = (e: string | undefined): boolean => {
    if (!e) return false;
    const id = byEmail.get(e.trim().toLowerCase());
    if (id) ids.add(id);
    const login = loginOfEmail(e);
    if (login) logins.add(login);
    return !!(id || login);
  };
  // Accounts by their immutable id too: the account that wrote a commit is a contributor under any later login.
  const accounts = new Set<number>();
  for (const c of pr.commits) {
    if (c.author_id !== undefined) accounts.add(c.author_id);
    if (c.committer_id !== undefined) accounts.add(c.committer_id);
    if (c.author_login) logins.add(c.author_login.toLowerCase());
    if (c.committer_login) logins.add(c.committer_login.toLowerCase());
    if (!email(c.author_email) && !c.author_login) unidentified.push({ commit: c.sha, role: 'author', identity: c.author_email ?? '(no e-mail)' });
    if (!email(c.committer_email) && !c.committer_login) unidentified.push({ commit: c.sha, role: 'committer', identity: c.committer_email ?? '(no e-mail)' });
    // Every trailer line, however it is spelled or spaced; one without `<e-mail>` names nobody the gate can check.
    for (const m of (c.message ?? '').matchAll(/^[ \t]*co-authored-by[ \t]*:(.*)$/gim)) {
      const addr = /<([^<>]+)>\s*$/.exec(m[1]!)?.[1];
      if (!email(addr)) unidentified.push({ commit: c.sha, role: 'co-author', identity: (addr ?? m[1]!.trim()).slice(0, 100) || '(empty)' });
    }
  }
  for (const l of logins) {
    const p = byLogin.get(l);
    if (p) ids.add(p.id);
  }
  return { logins, accounts, people: ids, unidentified };
}

export interface UnidentifiedContributor {
  commit: string;
  role: 'author' | 'committer' | 'co-author';
  /** The e-mail (or the trailer's text when it has none). */
  identity: string;
}

/**
 * Commit identities that map to nobody: a commit author or committer GitHub links to no account whose e-mail no
 * person has, a `Co-authored-by:` trailer whose e-mail is no person's and no GitHub noreply address (or that has
 * none). An approver could be behind any of them (a private address), so no approval can be trusted: each is a
 * problem, and the gate fails closed. Pure.
 */
export function unidentifiedContributors(pr: PrFacts, people: readonly Person[]): GateProblem[] {
  const found = contributorsOf(pr, people).unidentified;
  const seen = new Set<string>();
  const out: GateProblem[] = [];
  for (const u of found) {
    const key = `${u.role}|${u.identity.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const how =
      u.role === 'co-author'
        ? "write the trailer as `Co-authored-by: Name <ID+login@users.noreply.github.com>` (the co-author's GitHub noreply address), or, if it is one of your people, make this their `email` in policies/access/people/"
        : 'link the e-mail to the GitHub account that made the commit (GitHub then names it), or, if it is one of your people, make this their `email` in policies/access/people/, or recommit with an e-mail that names its author';
    out.push({
      code: 'gate.unknown-contributor',
      message: `commit ${u.commit.slice(0, 7)} names the ${u.role} ${JSON.stringify(u.identity)}, who maps to no person and no GitHub account: an approver could be behind it, so no approval is trusted. Fix: ${how}.`,
    });
    if (out.length >= 10) break;
  }
  return out;
}

/**
 * Whether a review's account is the person's: always when the person pins no `github_id` (the login decides, as
 * GitHub's own rules do); otherwise only when GitHub names the review's account by that id. A renamed account keeps
 * its id, and a login its owner gave up can be registered by anyone.
 */
export function sameAccount(r: ReviewFact, person: Person): boolean {
  return person.github_id === undefined || r.user_id === person.github_id;
}

function identityDetail(r: ReviewFact, person: Person): string {
  const file = personFile(person);
  const got = r.user_id === undefined ? 'GitHub names no account id for this review' : `this review's account has the id ${r.user_id}`;
  return `${r.login} is the github login of ${person.id} (${file}), who is pinned to the account with github_id ${person.github_id}, but ${got}: the login was renamed away or registered by another account, so it never counts for ${person.id}. If ${person.id} really moved to another account, update github_id in ${file} (https://api.github.com/users/${r.login} shows an account's id)`;
}

function byTime(a: ReviewFact, b: ReviewFact): number {
  const ta = Date.parse(a.submitted_at ?? '') || 0;
  const tb = Date.parse(b.submitted_at ?? '') || 0;
  return ta - tb || a.id - b.id;
}

const dated = (r: ReviewFact) => !!r.submitted_at && !Number.isNaN(Date.parse(r.submitted_at));

/**
 * Whether `later` is shown to come after `earlier`: GitHub's review ids only grow, so both its id and its submission
 * time must say so. A review without a time, or whose time contradicts the ids, cannot be ordered either way.
 */
function surelyAfter(later: ReviewFact, earlier: ReviewFact): boolean {
  return later.id > earlier.id && dated(later) && dated(earlier) && Date.parse(later.submitted_at!) >= Date.parse(earlier.submitted_at!);
}

/** Reviews that may be one reviewer's: the same login (in any case) or the same account id under another login. */
function maybeSameReviewer(a: ReviewFact, b: ReviewFact): boolean {
  return a.login.toLowerCase() === b.login.toLowerCase() || (a.user_id !== undefined && a.user_id === b.user_id);
}

/** Reviews shown to be one account's: the same account id, or, when GitHub names no id for either, the same login. */
function surelySameAccount(a: ReviewFact, b: ReviewFact): boolean {
  if (a.user_id !== undefined || b.user_id !== undefined) return a.user_id === b.user_id;
  return a.login.toLowerCase() === b.login.toLowerCase();
}

/** States that replace a reviewer's earlier review. An UNKNOWN one withdraws an approval; only a known one lifts a request for changes. */
const DECISIVE = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED', 'UNKNOWN']);
const KNOWN_DECISIVE = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/**
 * Keeps only each reviewer's latest decisive review (approve, request changes,
 * or a dismissal, which withdraws it) and drops reviews that can never count:
 * bots, the author, commit authors and committers, the implementer of a
 * changed change request, logins that are no person, people who left, and
 * what GitHub does not describe well enough to trust (no user, an undocumented
 * state, no submission time).
 */
export function classifyReviews(pr: PrFacts, people: readonly Person[], implementers: ReadonlySet<string>, minPermission: string = 'write'): ReviewClassification {
  const byLogin = indexPeople(people);
  const ignored: IgnoredReview[] = [];
  const approvals: CandidateReview[] = [];
  const changeRequests: ReviewClassification['changeRequests'] = [];
  const contributors = contributorsOf(pr, people);
  // The author's and the contributors' other accounts (people files sharing an e-mail or account id) are them too.
  const authorPerson = authorPersonOf(pr.author, people);
  const authorSelves = samePeople(people, authorPerson ? [authorPerson.id] : []);
  const contributorSelves = samePeople(people, contributors.people);
  // A review without a user (a deleted account) is nobody's: it never counts and never vetoes.
  for (const r of pr.reviews) {
    if (!r.login.trim() && r.state !== 'PENDING')
      ignored.push({
        login: '(deleted account)',
        review_id: r.id,
        state: r.state,
        reason: 'deleted_user',
        detail: 'GitHub returns no user for this review (the account was deleted); it never counts',
      });
  }
  // Without a submission time a review cannot be ordered against the reviewer's others: it never approves, it
  // withdraws the reviewer's approvals, and a request for changes without one blocks until it is dismissed.
  for (const r of pr.reviews) {
    if (r.state === 'PENDING' || r.state === 'CHANGES_REQUESTED' || !r.login.trim() || dated(r)) continue;
    const person = byLogin.get(r.login.toLowerCase());
    ignored.push({
      login: r.login,
      review_id: r.id,
      state: r.state,
      ...(person ? { person: person.id } : {}),
      reason: 'undated',
      detail: "GitHub gives no submission time for this review, so it cannot be ordered against the reviewer's others; it never counts",
    });
  }
  const sorted = pr.reviews.filter((r) => r.state !== 'PENDING' && r.login.trim() && (dated(r) || r.state === 'CHANGES_REQUESTED')).sort(byTime);
  // Every decisive review of a live account, dated or not: an undated one cannot be ordered, so it may be the latest.
  const decisive = pr.reviews.filter((r) => r.login.trim() && DECISIVE.has(r.state));
  /**
   * The review that replaces `r` as its reviewer's latest word, if any. A request for changes is lifted only by a
   * documented decision of the same account shown to come after it; anything else is replaced by any decisive review
   * that may be the same reviewer's (same login or same account id) and is not shown to come before it (fail closed:
   * a review that cannot be ordered withdraws an approval and leaves a request for changes standing).
   */
  const replacedBy = (r: ReviewFact): ReviewFact | undefined => {
    const others = decisive.filter((o) => o.id !== r.id);
    if (r.state === 'CHANGES_REQUESTED')
      return others
        .filter((o) => KNOWN_DECISIVE.has(o.state) && surelySameAccount(o, r) && surelyAfter(o, r))
        .sort(byTime)
        .pop();
    const rivals = others.filter((o) => maybeSameReviewer(o, r) && !surelyAfter(r, o));
    return rivals.find((o) => surelyAfter(o, r)) ?? rivals[0];
  };

  const byId = new Map(people.filter((p) => p.github_id !== undefined).map((p) => [p.github_id!, p]));
  for (const r of sorted) {
    const login = r.login.toLowerCase();
    const named = byLogin.get(login);
    // A login whose account is not the one the person pinned is nobody's: it neither approves nor vetoes for them.
    const person = named && sameAccount(r, named) ? named : undefined;
    const base = { login: r.login, review_id: r.id, state: r.state, ...(named ? { person: named.id } : {}) };
    const last = replacedBy(r);
    if (r.state === 'COMMENTED') {
      ignored.push({ ...base, reason: 'comment', detail: 'a comment, neither an approval nor a request for changes' });
      continue;
    }
    if (r.state === 'UNKNOWN') {
      ignored.push({
        ...base,
        reason: 'unknown_state',
        detail: `GitHub reports the state ${JSON.stringify(r.reported_state ?? r.state)}, none of APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING; it never approves, withdraws ${r.login}'s earlier approval and leaves a request for changes standing`,
      });
      continue;
    }
    if (last) {
      const when = surelyAfter(last, r)
        ? `later review #${last.id} (${last.state.toLowerCase()}) at ${last.submitted_at}`
        : `review #${last.id} (${last.state.toLowerCase()}${last.login === r.login ? '' : ` as ${last.login}`}), which may be later: ${dated(last) ? "its submission time contradicts GitHub's review order" : 'it has no submission time'}, so it cannot be ordered before this one`;
      ignored.push({ ...base, reason: 'superseded', detail: `superseded by ${r.login}'s ${when}` });
      continue;
    }
    if (r.state === 'DISMISSED') {
      ignored.push({ ...base, reason: 'dismissed', detail: 'the review was dismissed' });
      continue;
    }
    // Not shown to be this pull request's: it may be another's. It still withdrew the reviewer's earlier approval
    // (it may be their latest word here), and a request for changes of it still blocks: both fail closed.
    if (r.origin_unverified !== undefined && r.state !== 'CHANGES_REQUESTED') {
      ignored.push({ ...base, reason: 'unverified_origin', detail: r.origin_unverified });
      continue;
    }
    if (isBot(r.login, r.user_type)) {
      ignored.push({
        ...base,
        reason: 'bot',
        detail:
          r.user_type === 'User'
            ? `${r.login} is a bot login; bots never count`
            : r.user_type
              ? `${r.login} is a ${r.user_type} account, not a person's (User) account; it never counts`
              : `GitHub names no account type for ${r.login} (it always does), so it is not shown to be a person's (User) account; it never counts`,
      });
      continue;
    }
    if (r.state === 'CHANGES_REQUESTED') {
      changeRequests.push({ review: r, person });
      continue;
    }
    if (isAuthorAccount(r, pr.author)) {
      const renamed = r.login.toLowerCase() !== pr.author.login.toLowerCase() ? ` (the account ${pr.author.login} opened it with, id ${pr.author.id}, under another login)` : '';
      ignored.push({ ...base, reason: 'author', detail: `${r.login} opened the pull request${renamed} and cannot approve it` });
    } else if (person && authorSelves.has(person.id)) {
      ignored.push({
        ...base,
        reason: 'author',
        detail: `${r.login} is ${person.id}, the same person as ${authorPerson!.id} (the same e-mail or account id), who opened the pull request as ${pr.author.login}; cannot approve it`,
      });
    } else if (contributors.logins.has(login) || (r.user_id !== undefined && contributors.accounts.has(r.user_id)) || (person && contributorSelves.has(person.id))) {
      const other = person && !contributors.people.has(person.id) ? ` (as ${contributorSelves.get(person.id)}, the same person: the same e-mail or account id)` : '';
      ignored.push({ ...base, reason: 'contributor', detail: `${r.login} authored, committed or co-authored a commit of this pull request${other}` });
    } else if (named && !person) {
      ignored.push({ ...base, reason: 'identity_mismatch', detail: identityDetail(r, named) });
    } else if (!person) {
      const moved = r.user_id !== undefined ? byId.get(r.user_id) : undefined;
      ignored.push({
        ...base,
        reason: 'unknown_user',
        detail: moved
          ? `GitHub login ${r.login} is no person in policies/access/people/, but its account id ${r.user_id} is the github_id ${r.user_id} of ${moved.id} (${personFile(moved)}): the account was renamed; set github: ${r.login} there (the governance tier approves it) for the review to count`
          : `GitHub login ${r.login} is no person in policies/access/people/`,
      });
    } else if (person.status !== 'active') {
      ignored.push({
        ...base,
        reason: 'inactive',
        detail: `${person.id} is ${person.status === 'left' ? `no longer with the organisation${person.left_on ? ` (left ${person.left_on})` : ''}` : 'suspended'}`,
      });
    } else if (implementers.has(person.id)) {
      ignored.push({ ...base, reason: 'implementer', detail: `${person.id} implements a change in this pull request and cannot approve it` });
    } else if (pr.permissions && ROLES.indexOf(pr.permissions[login] ?? 'none') < ROLES.indexOf(minPermission)) {
      const role = pr.permissions[login];
      ignored.push({
        ...base,
        reason: 'no_permission',
        detail: `${r.login} has ${role ? `the ${role} role` : 'no readable role'} on the repository; reviews count from ${minPermission} and above (GitHub ignores them too)`,
      });
    } else {
      approvals.push({ review: r, person });
    }
  }
  return { approvals, changeRequests, ignored };
}

/** People who may never approve this PR (person ids), for the "who could still approve" lists. */
export function excludedPeople(pr: PrFacts, people: readonly Person[], implementers: ReadonlySet<string>): Map<string, string> {
  const byLogin = indexPeople(people);
  const out = new Map<string, string>();
  const add = (login: string | null, why: string) => {
    const p = login ? byLogin.get(login.toLowerCase()) : undefined;
    if (p && !out.has(p.id)) out.set(p.id, why);
  };
  const authorPerson = authorPersonOf(pr.author, people);
  if (authorPerson) out.set(authorPerson.id, 'author');
  for (const id of samePeople(people, authorPerson ? [authorPerson.id] : []).keys()) if (!out.has(id)) out.set(id, 'author');
  const contributors = contributorsOf(pr, people);
  for (const l of contributors.logins) add(l, 'contributor');
  for (const l of contributors.logins) {
    const p = byLogin.get(l);
    if (p) contributors.people.add(p.id);
  }
  for (const id of samePeople(people, contributors.people).keys()) if (!out.has(id)) out.set(id, 'contributor');
  for (const p of people) if (!p.github.trim() && !out.has(p.id)) out.set(p.id, 'no GitHub login');
  for (const id of implementers) if (!out.has(id)) out.set(id, 'implementer');
  for (const p of people) if (p.status !== 'active' && !out.has(p.id)) out.set(p.id, p.status === 'left' ? 'left' : 'suspended');
  return out;
}
