import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../model/errors.ts';
import type { SchemaValidator } from '../repo/validate-schema.ts';
import { checkPolicyReferences, parseBaseDocument, toFreezes, toGroup, toPerson } from './policy.ts';
import type { ApprovalPolicy, GateInput, GateProblem, PrFacts } from './types.ts';

/**
 * Edge for `opsgate gate --simulate FILE`: PR facts from a JSON file, and the
 * policy, people, groups and freezes from the file when it has them, else
 * from the working tree (a policy author trying a draft policy wants exactly that).
 */
export async function loadSimulation(file: string, root: string, validator: SchemaValidator, now: Date): Promise<GateInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the simulation file ${file}: ${(e as Error).message}`, 'give a JSON file with at least { "pr": { ... } } (see test/fixtures/gate/)');
  }
  const sim = raw as Partial<GateInput> & { pr?: PrFacts; now?: string };
  const missing = ['repository', 'number', 'author', 'base', 'head', 'commits', 'files', 'documents', 'reviews', 'changed_since'].filter((k) => !(sim.pr && k in sim.pr));
  if (!sim.pr || missing.length) throw new UsageError(`${file}: pr is missing ${missing.join(', ')}`, 'see test/fixtures/gate/*.json for the shape of PR facts');
  const problems: GateProblem[] = [...(sim.problems ?? [])];
  const readText = (rel: string) => readFile(path.join(root, rel), 'utf8').catch(() => undefined);
  const readDir = async (rel: string) =>
    (await readdir(path.join(root, rel)).catch(() => [] as string[]))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => `${rel}/${f}`);

  let policy = sim.policy;
  if (!policy) {
    const text = await readText('policies/approval.yaml');
    if (text === undefined) problems.push({ code: 'gate.no-policy', file: 'policies/approval.yaml', message: 'policies/approval.yaml does not exist' });
    else policy = parseBaseDocument(text, 'policies/approval.yaml', validator, problems) as ApprovalPolicy | undefined;
  }
  let people = sim.people;
  if (!people) {
    people = [];
    for (const f of await readDir('policies/access/people')) {
      const d = parseBaseDocument((await readText(f))!, f, validator, problems);
      if (d) people.push(toPerson(d));
    }
  }
  let groups = sim.groups;
  if (!groups) {
    groups = [];
    for (const f of await readDir('inventory/groups')) {
      const d = parseBaseDocument((await readText(f))!, f, validator, problems);
      if (d) groups.push(toGroup(d));
    }
  }
  let freezes = sim.freezes;
  if (!freezes) {
    const text = await readText('policies/calendar.yaml');
    freezes = toFreezes(text === undefined ? undefined : parseBaseDocument(text, 'policies/calendar.yaml', validator, problems));
  }
  if (policy) problems.push(...checkPolicyReferences(policy, people));
  const at = sim.now ? new Date(sim.now) : now;
  if (Number.isNaN(at.getTime())) throw new UsageError(`${file}: now '${sim.now}' is not an ISO 8601 date-time`);
  return {
    policy: policy ?? { id: 'approval', teams: {}, governance: { paths: [], require: { any: [] } }, rules: [] },
    policy_commit: sim.policy_commit ?? 'working-tree',
    people,
    groups,
    freezes,
    pr: sim.pr,
    now: at,
    problems,
  };
}
