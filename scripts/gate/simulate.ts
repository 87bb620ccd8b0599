import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { codeRoot } from '../model/code-root.ts';
import { UsageError } from '../model/errors.ts';
import { readSchemas } from '../repo/read-repo.ts';
import type { SchemaValidator } from '../repo/validate-schema.ts';
import { checkPolicyReferences, parseBaseDocument, toFreezes, toGroup, toPerson } from './policy.ts';
import { checkSimulation } from './simulation-schema.ts';
import type { ApprovalPolicy, Freeze, GateInput, GateProblem, InventoryGroup, PrFacts } from './types.ts';

/** At most this many violations are listed; the rest are counted. */
const MAX_LISTED = 40;

/** The simulation file once scripts/gate/simulation.schema.json has accepted it. */
interface Simulation {
  now?: string;
  policy_commit?: string;
  policy?: ApprovalPolicy;
  people?: Record<string, unknown>[];
  groups?: Record<string, unknown>[];
  freezes?: Freeze[];
  problems?: GateProblem[];
  pr: PrFacts;
}

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
  const sim = checked(withoutEmptyLogins(raw), file, await readSchemas(codeRoot));
  const problems: GateProblem[] = [...(sim.problems ?? [])];
  // As collectGateInput does: without an author nobody can be excluded as the author.
  if (!sim.pr.author.login.trim() && !problems.some((p) => p.code === 'gate.no-author'))
    problems.push({ code: 'gate.no-author', message: `${file}: pr.author.login is empty; nobody can be excluded as the author, so no approval is trusted` });
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
  let people = sim.people?.map((p) => toPerson(p));
  if (!people) {
    people = [];
    for (const f of await readDir('policies/access/people')) {
      const d = parseBaseDocument((await readText(f))!, f, validator, problems);
      if (d) people.push(toPerson(d));
    }
  }
  let groups: InventoryGroup[] | undefined = sim.groups?.map((g) => toGroup(g));
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

/** Every violation of the simulation schema, located by JSON path, as one usage error (exit 2). */
function checked(raw: unknown, file: string, schemas: Record<string, object>): Simulation {
  const lines = checkSimulation(raw, file, schemas);
  if (!lines.length) return raw as Simulation;
  const listed = lines.slice(0, MAX_LISTED).join('\n');
  const more = lines.length > MAX_LISTED ? `\n... and ${lines.length - MAX_LISTED} more` : '';
  throw new UsageError(
    `${file} is not a usable simulation file (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${listed}${more}`,
    'the shape is scripts/gate/simulation.schema.json; test/fixtures/gate/simulate-db-change.json is an example',
  );
}

/**
 * The gate writes a person without a GitHub login as `github: ""` (toPerson); a person document
 * omits it. Both mean "no login", so a simulation written from gate input reads back.
 */
function withoutEmptyLogins(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const people = (raw as { people?: unknown }).people;
  if (!Array.isArray(people)) return raw;
  const cleaned = people.map((p: unknown) => {
    if (!p || typeof p !== 'object' || (p as { github?: unknown }).github !== '') return p;
    const { github: _none, ...rest } = p as Record<string, unknown>;
    return rest;
  });
  return { ...(raw as object), people: cleaned };
}
