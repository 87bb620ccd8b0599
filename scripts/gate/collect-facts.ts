import type { BackupPolicyDocument, ChangeDocument, HostDocument } from '../model/documents.generated.ts';
import { planBackupEdit, type BackupEditView } from '../converge/backup-edit.ts';
import { parseDocumentText, type AnyDoc } from '../repo/parse-document.ts';
import type { SchemaValidator } from '../repo/validate-schema.ts';
import { referencedFiles } from '../change/plan.ts';
import { PR_COMMITS_CAP, PR_FILES_CAP, type PullFile, type PullRequestInfo, type Scm, type TreeEntry } from '../github/scm.ts';
import { createHash } from 'node:crypto';
import { lintChangedChanges } from './change-lint.ts';
import { filesAgainstHistory, filesAgainstTree, headProblems as headMoved, readAgain } from './consistency.ts';
import { planViews } from './plans.ts';
import { readTrees, TreeReader } from './tree-reader.ts';
import { CONTENT_KINDS, describeDocument, kindOfPath } from './describe.ts';
import { checkPolicyReferences, parseBaseDocument, singletonFile, toFreezes, toGroup, toPerson } from './policy.ts';
import { relateSubjects } from './related.ts';
import { gateDescribeContext } from './describe-context.ts';
import type { ApprovalPolicy, ChangedDocument, GateInput, GateProblem, Person, PrFacts } from './types.ts';

/**
 * Edge: gathers everything the evaluator needs for one pull request. The
 * policy, people, groups, hosts, calendar and change requests come from the
 * BASE commit's tree; changed documents and the files changes deploy are read
 * from the head commit's tree, by blob, as data (never through a link, never
 * from the working tree). GitHub failures propagate as GitHubApiError; a file
 * that the tree lists but cannot be read, a link, a truncated list or a capped
 * one becomes a problem, and the gate fails closed.
 */
export async function collectGateInput(scm: Scm, prOrPull: number | PullRequestInfo, validator: SchemaValidator, now: Date): Promise<GateInput> {
  const pull = typeof prOrPull === 'number' ? await scm.getPullRequest(prOrPull) : prOrPull;
  const prNumber = pull.number;
  const baseSha = pull.base.sha;
  const headSha = pull.head.sha;
  const [commits, files, reviews, trees, open] = await Promise.all([
    scm.listCommits(prNumber),
    scm.listFiles(prNumber),
    scm.listReviews(prNumber),
    readTrees(scm, baseSha, headSha),
    scm.listOpenPullRequests(pull.base.ref),
  ]);
  const problems: GateProblem[] = [];
  if (files.length >= PR_FILES_CAP)
    problems.push({
      code: 'gate.too-many-files',
      message: `GitHub lists at most ${PR_FILES_CAP} files of a pull request; this one has at least that many, so some changes cannot be seen. Split the pull request.`,
    });
  if (commits.length >= PR_COMMITS_CAP)
    problems.push({
      code: 'gate.too-many-commits',
      message: `GitHub lists at most ${PR_COMMITS_CAP} commits of a pull request; with more, some commit authors cannot be seen, so nobody's approval can be trusted. Squash or split the pull request.`,
    });
  problems.push(...listProblems(pull, commits.length, files.length), ...headMoved(pull, commits), ...filesAgainstTree(files, trees.head, headSha));
  if (trees.base.truncated) problems.push({ code: 'gate.tree-truncated', message: `the base tree ${baseSha.slice(0, 7)} is too large to list; the policy context cannot be read completely` });
  if (trees.head.truncated) problems.push({ code: 'gate.tree-truncated', message: `the head tree ${headSha.slice(0, 7)} is too large to list; what the change requests deploy cannot be bound` });
  const twins = open.filter((p) => p.number !== prNumber && p.head_sha === headSha && p.base_ref === pull.base.ref).map((p) => `#${p.number}`);
  if (twins.length)
    problems.push({
      code: 'gate.shared-head',
      message: `the head commit ${headSha.slice(0, 7)} is also the head of ${twins.join(', ')} into ${pull.base.ref}; a commit status cannot tell them apart, so neither passes. Close all but one.`,
    });

  const base = new TreeReader(scm, trees.base, 'base', problems);
  const head = new TreeReader(scm, trees.head, 'head', problems);
  // Links and submodules are never read as content, anywhere: a changed one fails the gate.
  for (const f of files) if (f.status !== 'removed') head.refuseLink(f.path);

  const contentFiles = files.filter((f) => f.status !== 'removed' && CONTENT_KINDS.has(kindOfPath(f.path)));
  // Base versions: a removed, modified or renamed document is also judged by what it said at base.
  const baseVersions = files.filter((f) => f.status !== 'added' && CONTENT_KINDS.has(kindOfPath(f.previous_path ?? f.path))).map((f) => f.previous_path ?? f.path);
  // Base change requests: who deploys which file, and what a changed change request may conflict with.
  const needBaseChanges = files.length > 0;
  // The policy and the calendar in either spelling lint reads; both at once fail closed.
  const at = `at the base commit ${baseSha.slice(0, 7)}`;
  const policyFile = singletonFile('policies/approval', (p) => base.has(p), problems, at);
  const calendarFile = singletonFile('policies/calendar', (p) => base.has(p), problems, at);
  // A policy the base listing does not reach (GitHub cut it short) is not known to be missing: it is unreadable.
  const policyCut = base.truncated && !base.has(policyFile);
  const [policyText, calendarText, peopleTexts, groupTexts, hostTexts, baseChangeTexts, headTexts, baseVersionTexts] = await Promise.all([
    policyCut ? Promise.resolve(undefined) : base.read(policyFile),
    base.read(calendarFile),
    base.readMany(base.under(/^policies\/access\/people\/[^/]+\.ya?ml$/)),
    base.readMany(base.under(/^inventory\/groups\/[^/]+\.ya?ml$/)),
    base.readMany(base.under(/^inventory\/hosts\/[^/]+\.ya?ml$/)),
    needBaseChanges ? base.readMany(base.under(/^changes\/\d{4}\/[^/]+\.ya?ml$/)) : Promise.resolve(new Map<string, string>()),
    head.readMany(contentFiles.map((f) => f.path)),
    base.readMany(baseVersions),
  ]);
  let policy: ApprovalPolicy | undefined;
  if (policyCut)
    problems.push({
      code: 'gate.policy-unreadable',
      file: policyFile,
      message: `${policyFile} could not be read completely at the base commit ${baseSha.slice(0, 7)}: GitHub's listing of its tree is truncated (too many entries or bytes) and does not reach it, so whether the policy exists and what it requires cannot be known; nothing can be approved. Make the repository's tree smaller (fewer files: move generated or vendored content out)`,
    });
  else if (policyText === undefined)
    problems.push({ code: 'gate.no-policy', file: policyFile, message: `${policyFile} does not exist at the base commit ${baseSha.slice(0, 7)}; nothing can be approved` });
  else policy = parseBaseDocument(policyText, policyFile, validator, problems) as ApprovalPolicy | undefined;
  const parseAll = (m: Map<string, string>) =>
    sorted(m).flatMap(([file, text]) => {
      const d = parseBaseDocument(text, file, validator, problems);
      return d ? [[file, d] as const] : [];
    });
  const people: Person[] = parseAll(peopleTexts).map(([file, d]) => toPerson(d, file));
  const groups = parseAll(groupTexts).map(([, d]) => toGroup(d));
  const baseHosts = new Map(parseAll(hostTexts).map(([file, d]) => [String(d.id), { file, data: d }]));
  const calendar = calendarText === undefined ? undefined : parseBaseDocument(calendarText, calendarFile, validator, problems);
  // Base change requests are context (who deploys which file); one that does not parse fails closed like any base document.
  const baseChanges = parseAll(baseChangeTexts).map(([file, data]) => ({ file, data }));

  // Changed documents, read from the head as data.
  const headData = new Map<string, Record<string, unknown> | undefined>();
  const headProblems = new Map<string, string[]>();
  for (const f of contentFiles) {
    const text = headTexts.get(f.path);
    const local: GateProblem[] = [];
    headData.set(f.path, text === undefined ? undefined : parseBaseDocument(text, f.path, validator, local));
    headProblems.set(f.path, text === undefined ? [`${f.path} is listed as changed but cannot be read at ${headSha.slice(0, 7)}`] : local.map((p) => p.message));
  }
  // Problems in a base version do not block the change of it; it is matched on what could be read.
  const baseData = new Map<string, Record<string, unknown>>();
  for (const [file, text] of baseVersionTexts) {
    const d = parseBaseDocument(text, file, validator, []);
    if (d) baseData.set(file, d);
  }

  const ctx = gateDescribeContext(baseHosts, headData, files, groups);
  const documents: ChangedDocument[] = files.map((f) => {
    const data = f.status === 'removed' ? baseData.get(f.path) : headData.get(f.path);
    const doc = describeDocument(f.path, f.status, data, ctx);
    doc.problems.push(...(headProblems.get(f.path) ?? []));
    return doc;
  });
  const related = relateSubjects({ files, documents, headData, baseData, baseChanges, baseHosts, ctx, head, problems });
  problems.push(...lintChanges({ files, headTexts, calendarFile, calendarText, hostTexts, groupTexts, baseChangeTexts, head, validator, now }));
  const plans = await readPlans(files, headData, baseHosts, head, now);
  const backupPlans = await readBackupEdits(files, base, head, baseHosts, validator);

  // Staleness: one compare per distinct commit that an approval was given on (not per file, not per review).
  const changedSince: PrFacts['changed_since'] = {};
  // Ids are canonical (lowercase) from scm-payloads.ts; anything else names no commit and is stale without a request.
  const approvedOn = new Set(reviews.filter((r) => r.state === 'APPROVED' && r.commit_id && r.commit_id !== headSha && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(r.commit_id)).map((r) => r.commit_id!));
  const inPr = new Set(commits.map((c) => c.sha));
  // Repository permission, once per person whose latest review could count or veto (GitHub ignores reviews below write).
  const known = new Set(people.filter((p) => p.github).map((p) => p.github.toLowerCase()));
  const deciding = [...new Set(reviews.filter((r) => r.login && (r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED') && known.has(r.login.toLowerCase())).map((r) => r.login.toLowerCase()))];
  const permissions: Record<string, string> = {};
  await Promise.all([
    // The file list must hold every path the trees show changed since the merge base (one more tree when the base moved on);
    // a list already short of the pull request's own count, naming paths the head does not have, or of another head fails on its own.
    problems.some((p) => ['gate.incomplete-list', 'gate.file-not-in-tree', 'gate.head-moved'].includes(p.code))
      ? Promise.resolve()
      : filesAgainstHistory(scm, files, commits, trees, baseSha, headSha).then((found) => void problems.push(...found)),
    ...[...approvedOn].map(async (sha) => {
      changedSince[sha] = inPr.has(sha) || sha === baseSha ? await changedBetween(scm, sha, headSha, trees.head, sha === baseSha ? trees.base : undefined) : null;
    }),
    ...deciding.map(async (login) => {
      permissions[login] = await scm.getPermission(login);
    }),
  ]);

  if (policy) problems.push(...checkPolicyReferences(policy, people, policyFile));
  // Last read: the pull request and its reviews again; a push or a review since the first read fails closed.
  problems.push(...(await readAgain(scm, pull, reviews)));
  const pr: PrFacts = {
    repository: scm.repository,
    number: pull.number,
    title: pull.title,
    author: pull.author,
    base: { ref: pull.base.ref, sha: baseSha },
    head: { sha: headSha },
    commits,
    files,
    documents,
    reviews,
    changed_since: changedSince,
    related: related.subjects,
    bindings: related.bindings,
    permissions,
    plans,
    ...(backupPlans.length ? { backup_plans: backupPlans } : {}),
  };
  return {
    policy: policy ?? { id: 'approval', teams: {}, governance: { paths: [], require: { any: [] } }, rules: [] },
    policy_commit: baseSha,
    policy_file: policyFile,
    calendar_file: calendarFile,
    people,
    groups,
    freezes: toFreezes(calendar),
    pr,
    now,
    problems,
  };
}

/**
 * What GitHub's lists cannot be trusted for: a pull request without an author (a deleted account,
 * or a server that sent none) cannot be checked for self-approval, and a list shorter or longer
 * than the count GitHub gives for the pull request lost items between pages or changed while read.
 */
function listProblems(pull: PullRequestInfo, commits: number, files: number): GateProblem[] {
  const out: GateProblem[] = [];
  if (!pull.author.login.trim())
    out.push({
      code: 'gate.no-author',
      message: `GitHub names no author for pull request #${pull.number} (its user is null: a deleted account); nobody can be excluded as the author, so no approval is trusted. Open it again from a live account.`,
    });
  const check = (what: string, listed: number, said: number | undefined, cap: number) => {
    if (said === undefined || listed === Math.min(said, cap)) return;
    out.push({
      code: 'gate.incomplete-list',
      message: `GitHub listed ${listed} ${what} but says the pull request has ${said}; the list lost or repeated items, or the pull request changed while it was read. Run the gate again.`,
    });
  };
  check('commits', commits, pull.counts?.commits, PR_COMMITS_CAP);
  check('changed files', files, pull.counts?.files, PR_FILES_CAP);
  return out;
}

/** The plan of each changed change request, over base hosts (plus hosts the PR adds) and the deployed files at head. */
async function readPlans(
  files: readonly PullFile[],
  headData: Map<string, Record<string, unknown> | undefined>,
  baseHosts: Map<string, { file: string; data: Record<string, unknown> }>,
  head: TreeReader,
  now: Date,
) {
  const changes = files.filter((f) => f.status !== 'removed' && kindOfPath(f.path) === 'change' && headData.get(f.path)).map((f) => ({ file: f.path, data: headData.get(f.path)! }));
  if (!changes.length) return [];
  const hosts = new Map([...baseHosts].map(([id, h]) => [id, h.data]));
  for (const f of files) {
    const d = headData.get(f.path);
    if (d && f.status !== 'removed' && kindOfPath(f.path) === 'host' && !hosts.has(String(d.id))) hosts.set(String(d.id), d);
  }
  const deployed = [...new Set(changes.flatMap((c) => referencedFiles(c.data as unknown as ChangeDocument)))].filter((p) => typeof head.blob(p) === 'string');
  const texts = await head.readMany(deployed);
  const infos = new Map([...texts].map(([p, t]) => [p, { sha256: createHash('sha256').update(t).digest('hex'), bytes: Buffer.byteLength(t) }]));
  return planViews({ changes, hosts, files: infos, now });
}

/** Lint's change rules over the changed change requests, with the base as context (see change-lint.ts). */
function lintChanges(a: {
  files: readonly PullFile[];
  headTexts: Map<string, string>;
  calendarFile: string;
  calendarText: string | undefined;
  hostTexts: Map<string, string>;
  groupTexts: Map<string, string>;
  baseChangeTexts: Map<string, string>;
  head: TreeReader;
  validator: SchemaValidator;
  now: Date;
}): GateProblem[] {
  const doc = (file: string, text: string): AnyDoc[] => {
    const d = parseDocumentText(text, file, a.validator).doc;
    return d ? [d] : [];
  };
  const changed = a.files.filter((f) => f.status !== 'removed' && kindOfPath(f.path) === 'change' && a.headTexts.has(f.path)).flatMap((f) => doc(f.path, a.headTexts.get(f.path)!));
  if (!changed.length) return [];
  const baseHosts = sorted(a.hostTexts).flatMap(([f, t]) => doc(f, t));
  const known = new Set(baseHosts.map((h) => h.id));
  const newHosts = a.files
    .filter((f) => f.status !== 'removed' && kindOfPath(f.path) === 'host' && a.headTexts.has(f.path))
    .flatMap((f) => doc(f.path, a.headTexts.get(f.path)!))
    .filter((h) => !known.has(h.id));
  const context = [...(a.calendarText === undefined ? [] : doc(a.calendarFile, a.calendarText)), ...baseHosts, ...newHosts, ...sorted(a.groupTexts).flatMap(([f, t]) => doc(f, t))];
  const deploys = [...new Set(changed.flatMap((d) => referencedFiles(d.data as ChangeDocument)))];
  const existingFiles = new Set(deploys.filter((p) => typeof a.head.blob(p) === 'string'));
  const refusedFiles = new Map(deploys.filter((p) => a.head.blob(p) === null).map((p) => [p, `${p} is a symbolic link or submodule at head; opsgate never follows links`] as const));
  return lintChangedChanges({ changed, context, baseChanges: sorted(a.baseChangeTexts).flatMap(([f, t]) => doc(f, t)), existingFiles, refusedFiles, now: a.now });
}

/**
 * Paths changed from `from` to `to`, by diffing their trees (one request: `to`'s tree is known, and `from`'s too when
 * it is the base). Trees are what the gate reads content by (each blob checked against its id), so what changed is
 * told by the same objects; compare's `files` could leave a file out while looking complete. Only when a tree is
 * truncated (a very large repository) is compare asked, and trusted only when it is complete.
 */
async function changedBetween(
  scm: Scm,
  from: string,
  to: string,
  toTree: { entries: TreeEntry[]; truncated: boolean },
  fromTree?: { entries: TreeEntry[]; truncated: boolean },
): Promise<string[] | null> {
  const a = fromTree ?? (toTree.truncated ? undefined : await scm.listTreeAtRef(from));
  if (!a || a.truncated || toTree.truncated) {
    const cmp = await scm.compareCommits(from, to);
    return cmp.complete ? cmp.files : null;
  }
  const before = new Map(a.entries.map((e) => [e.path, `${e.mode}:${e.sha}`]));
  const after = new Map(toTree.entries.map((e) => [e.path, `${e.mode}:${e.sha}`]));
  const changed = new Set<string>();
  for (const [p, sha] of after) if (before.get(p) !== sha) changed.add(p);
  for (const p of before.keys()) if (!after.has(p)) changed.add(p);
  return [...changed];
}

function sorted(m: Map<string, string>): [string, string][] {
  return [...m].sort(([a], [b]) => a.localeCompare(b));
}

export type { HostDocument };

/** What each changed backup policy will change on the base hosts once converged after merge (display only; see converge/backup-edit.ts). */
async function readBackupEdits(
  files: readonly PullFile[],
  base: TreeReader,
  head: TreeReader,
  baseHosts: Map<string, { file: string; data: Record<string, unknown> }>,
  validator: SchemaValidator,
): Promise<BackupEditView[]> {
  const isPolicy = (p: string | undefined) => p !== undefined && kindOfPath(p) === 'backup-policy';
  const changed = files.filter((f) => isPolicy(f.path) || isPolicy(f.previous_path));
  if (!changed.length) return [];
  const was = (f: PullFile) => f.previous_path ?? f.path;
  const [heads, bases] = await Promise.all([
    head.readMany(changed.filter((f) => f.status !== 'removed' && isPolicy(f.path)).map((f) => f.path)),
    base.readMany(changed.filter((f) => f.status !== 'added' && isPolicy(was(f))).map(was)),
  ]);
  const parse = (text: string | undefined, file: string) => (text === undefined ? undefined : (parseBaseDocument(text, file, validator, []) as unknown as BackupPolicyDocument | undefined));
  const hosts = [...baseHosts.values()].map((h) => ({ id: String(h.data.id), data: h.data as unknown as HostDocument }));
  return changed.flatMap((f) => {
    const b = parse(bases.get(was(f)), was(f));
    const n = f.status === 'removed' ? undefined : parse(heads.get(f.path), f.path);
    return b || n ? [planBackupEdit({ file: f.path, ...(b ? { base: b } : {}), ...(n ? { head: n } : {}), hosts })] : [];
  });
}
