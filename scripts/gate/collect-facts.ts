import type { ChangeDocument, HostDocument } from '../model/documents.generated.ts';
import type { SchemaValidator } from '../repo/validate-schema.ts';
import { deriveRisk } from '../rules/risk.ts';
import { PR_COMMITS_CAP, PR_FILES_CAP, type Scm } from '../github/scm.ts';
import { CONTENT_KINDS, describeDocument, kindOfPath, type DescribeContext } from './describe.ts';
import { checkPolicyReferences, parseBaseDocument, toFreezes, toGroup, toHost, toPerson } from './policy.ts';
import type { ApprovalPolicy, ChangedDocument, Env, GateInput, GateProblem, InventoryHost, Person, PrFacts } from './types.ts';

/**
 * Edge: gathers everything the evaluator needs for one pull request. The
 * policy, people, groups, hosts and calendar come from the BASE commit through
 * the API; changed documents are read from the head commit as data. Never
 * reads the working tree. GitHub failures propagate as GitHubApiError; a
 * document that cannot be read becomes a problem (the gate fails closed).
 */
export async function collectGateInput(scm: Scm, prNumber: number, validator: SchemaValidator, now: Date): Promise<GateInput> {
  const pull = await scm.getPullRequest(prNumber);
  const baseSha = pull.base.sha;
  const [commits, files, reviews, tree] = await Promise.all([
    scm.listCommits(prNumber),
    scm.listFiles(prNumber),
    scm.listReviews(prNumber),
    scm.listTreeAtRef(baseSha),
  ]);
  const problems: GateProblem[] = [];
  if (files.length >= PR_FILES_CAP) problems.push({ code: 'gate.too-many-files', message: `GitHub lists at most ${PR_FILES_CAP} files of a pull request; this one has at least that many, so some changes cannot be seen. Split the pull request.` });
  if (commits.length >= PR_COMMITS_CAP) problems.push({ code: 'gate.too-many-commits', message: `GitHub lists at most ${PR_COMMITS_CAP} commits of a pull request; with more, some commit authors cannot be seen, so nobody's approval can be trusted. Squash or split the pull request.` });
  if (tree.truncated) problems.push({ code: 'gate.tree-truncated', message: `the base tree ${baseSha.slice(0, 7)} is too large to list; the policy context cannot be read completely` });

  const paths = tree.entries.map((e) => e.path);
  const under = (re: RegExp) => paths.filter((p) => re.test(p));
  const readBase = (file: string) => scm.readFileAtRef(file, baseSha);

  // Base context and head documents are independent reads: issue them together.
  const contentFiles = files.filter((f) => f.status !== 'removed' && CONTENT_KINDS.has(kindOfPath(f.path)));
  // A removed document is judged by what it said at base: deleting a high-risk change needs what creating it needed.
  const removedFiles = files.filter((f) => f.status === 'removed' && CONTENT_KINDS.has(kindOfPath(f.path)));
  const [policyText, calendarText, peopleTexts, groupTexts, hostTexts, headTexts, removedTexts] = await Promise.all([
    readBase('policies/approval.yaml'),
    readBase('policies/calendar.yaml'),
    readMany(scm, under(/^policies\/access\/people\/[^/]+\.ya?ml$/), baseSha),
    readMany(scm, under(/^inventory\/groups\/[^/]+\.ya?ml$/), baseSha),
    readMany(scm, under(/^inventory\/hosts\/[^/]+\.ya?ml$/), baseSha),
    readMany(scm, contentFiles.map((f) => f.path), pull.head.sha),
    readMany(scm, removedFiles.map((f) => f.path), baseSha),
  ]);
  let policy: ApprovalPolicy | undefined;
  if (policyText === undefined) problems.push({ code: 'gate.no-policy', file: 'policies/approval.yaml', message: `policies/approval.yaml does not exist at the base commit ${baseSha.slice(0, 7)}; nothing can be approved` });
  else policy = parseBaseDocument(policyText, 'policies/approval.yaml', validator, problems) as ApprovalPolicy | undefined;
  const people: Person[] = [];
  for (const [file, text] of sorted(peopleTexts)) {
    const d = parseBaseDocument(text, file, validator, problems);
    if (d) people.push(toPerson(d));
  }
  const groups = [];
  for (const [file, text] of sorted(groupTexts)) {
    const d = parseBaseDocument(text, file, validator, problems);
    if (d) groups.push(toGroup(d));
  }
  const hostDocs = new Map<string, HostDocument>();
  for (const [file, text] of sorted(hostTexts)) {
    const d = parseBaseDocument(text, file, validator, problems);
    if (d) hostDocs.set(String(d.id), d as unknown as HostDocument);
  }
  const calendar = calendarText === undefined ? undefined : parseBaseDocument(calendarText, 'policies/calendar.yaml', validator, problems);

  // Changed documents, read from the head as data.
  const headData = new Map<string, Record<string, unknown> | undefined>();
  const headProblems = new Map<string, string[]>();
  for (const f of contentFiles) {
    const text = headTexts.get(f.path);
    const local: GateProblem[] = [];
    headData.set(f.path, text === undefined ? undefined : parseBaseDocument(text, f.path, validator, local));
    headProblems.set(f.path, text === undefined ? [`${f.path} is listed as changed but cannot be read at ${pull.head.sha.slice(0, 7)}`] : local.map((p) => p.message));
  }
  for (const f of removedFiles) {
    const text = removedTexts.get(f.path);
    // Problems in a document being deleted do not block its deletion; it is matched on what could be read.
    if (text !== undefined) headData.set(f.path, parseBaseDocument(text, f.path, validator, []));
  }
  // Hosts added in this PR are known too (base versions win: a PR cannot lower its own bar by editing a host).
  for (const [file, d] of headData) if (d && kindOfPath(file) === 'host' && !removedFiles.some((f) => f.path === file) && !hostDocs.has(String(d.id))) hostDocs.set(String(d.id), d as unknown as HostDocument);

  const hosts = new Map<string, InventoryHost>([...hostDocs].map(([id, d]) => [id, toHost(d as unknown as Record<string, unknown>)]));
  const groupEnvs = new Map<string, Env | undefined>(groups.map((g) => [g.id, g.env]));
  const ctx: DescribeContext = {
    hosts,
    groupEnvs,
    deriveRisk: (change) => {
      const c = change as unknown as ChangeDocument;
      const ids = new Set(c.targets?.hosts ?? []);
      const targetGroups = new Set(c.targets?.groups ?? []);
      const targets = [...hostDocs].filter(([id, h]) => ids.has(id) || (h.groups ?? []).some((g) => targetGroups.has(g))).map(([id, data]) => ({ id, data }));
      try {
        const r = deriveRisk(c, targets);
        return { risk: r.level, reasons: r.factors.map((f) => `${f.level}: ${f.reason}`) };
      } catch {
        return undefined;
      }
    },
  };
  const documents: ChangedDocument[] = files.map((f) => {
    const doc = describeDocument(f.path, f.status, headData.get(f.path), ctx);
    doc.problems.push(...(headProblems.get(f.path) ?? []));
    return doc;
  });

  // Staleness: one compare per distinct commit that an approval was given on (not per file, not per review).
  const changedSince: PrFacts['changed_since'] = {};
  const approvedOn = new Set(reviews.filter((r) => r.state === 'APPROVED' && r.commit_id && r.commit_id !== pull.head.sha).map((r) => r.commit_id!));
  const inPr = new Set(commits.map((c) => c.sha));
  await Promise.all(
    [...approvedOn].map(async (sha) => {
      changedSince[sha] = inPr.has(sha) || sha === baseSha ? await changedBetween(scm, sha, pull.head.sha) : null;
    }),
  );

  if (policy) problems.push(...checkPolicyReferences(policy, people));
  const pr: PrFacts = {
    repository: scm.repository,
    number: pull.number,
    title: pull.title,
    author: pull.author,
    base: { ref: pull.base.ref, sha: baseSha },
    head: { sha: pull.head.sha },
    commits,
    files,
    documents,
    reviews,
    changed_since: changedSince,
  };
  return {
    policy: policy ?? { id: 'approval', teams: {}, governance: { paths: [], require: { any: [] } }, rules: [] },
    policy_commit: baseSha,
    people,
    groups,
    freezes: toFreezes(calendar),
    pr,
    now,
    problems,
  };
}

/** Paths changed from `from` to `to`: compare first; when GitHub caps the list, diff the two trees (2 calls). */
async function changedBetween(scm: Scm, from: string, to: string): Promise<string[] | null> {
  const cmp = await scm.compareCommits(from, to);
  if (cmp.complete) return cmp.files;
  const [a, b] = await Promise.all([scm.listTreeAtRef(from), scm.listTreeAtRef(to)]);
  if (a.truncated || b.truncated) return null;
  const before = new Map(a.entries.map((e) => [e.path, e.sha]));
  const after = new Map(b.entries.map((e) => [e.path, e.sha]));
  const changed = new Set<string>();
  for (const [p, sha] of after) if (before.get(p) !== sha) changed.add(p);
  for (const p of before.keys()) if (!after.has(p)) changed.add(p);
  return [...changed];
}

/** Reads several files at one ref, at most 8 at a time. Missing files are left out. */
async function readMany(scm: Scm, files: string[], ref: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++]!;
      const text = await scm.readFileAtRef(f, ref);
      if (text !== undefined) out.set(f, text);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  return out;
}

function sorted(m: Map<string, string>): [string, string][] {
  return [...m].sort(([a], [b]) => a.localeCompare(b));
}
