import { lstat, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { codeRoot } from '../model/code-root.ts';
import { UsageError } from '../model/errors.ts';
import { readSchemas } from '../repo/read-repo.ts';
import { readRepoFile } from '../repo/repo-file.ts';
import type { SchemaValidator } from '../repo/validate-schema.ts';
import { checkPolicyReferences, parseBaseDocument, singletonFile, toFreezes, toGroup, toPerson } from './policy.ts';
import { checkSimulation } from './simulation-schema.ts';
import type { ApprovalPolicy, Freeze, GateInput, GateProblem, InventoryGroup, PrFacts } from './types.ts';

/** At most this many violations are listed; the rest are counted. */
const MAX_LISTED = 40;

/** The simulation file once scripts/gate/simulation.schema.json has accepted it. */
interface Simulation {
  now?: string;
  policy_commit?: string;
  policy_file?: string;
  calendar_file?: string;
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
  const given = asPersonDocuments(raw, file);
  const sim = checked(given.raw, file, await readSchemas(codeRoot));
  const problems: GateProblem[] = [...(sim.problems ?? [])];
  // As collectGateInput does: without an author nobody can be excluded as the author.
  if (!sim.pr.author.login.trim() && !problems.some((p) => p.code === 'gate.no-author'))
    problems.push({ code: 'gate.no-author', message: `${file}: pr.author.login is empty; nobody can be excluded as the author, so no approval is trusted` });
  // As the live gate reads the base tree: by the spelling lint reads, never through a link, and a file that is
  // there but cannot be read is a problem (unreadable), never taken for absent.
  const exists = new Set<string>();
  for (const stem of ['policies/approval', 'policies/calendar']) for (const rel of [`${stem}.yaml`, `${stem}.yml`]) if (await lstat(path.join(root, rel)).catch(() => undefined)) exists.add(rel);
  const readText = async (rel: string, code = 'gate.unreadable'): Promise<string | undefined> => {
    const f = await readRepoFile(root, rel);
    if (f.kind === 'file') return f.bytes.toString('utf8');
    problems.push({ code, file: rel, message: `${rel} is in the working tree but cannot be read: ${f.why}; failing closed` });
    return undefined;
  };
  const readDir = async (rel: string) =>
    (await readdir(path.join(root, rel)).catch(() => [] as string[]))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => `${rel}/${f}`);
  const where = `in the working tree ${root}`;

  let policy = sim.policy;
  // The files messages name: as given (a simulation written from gate input), else the spelling in the working tree.
  let policyFile = sim.policy_file ?? 'policies/approval.yaml';
  if (!policy) {
    const file = (policyFile = singletonFile('policies/approval', (p) => exists.has(p), problems, where));
    const text = exists.has(file) ? await readText(file, 'gate.policy-unreadable') : undefined;
    if (!exists.has(file)) problems.push({ code: 'gate.no-policy', file, message: `${file} does not exist ${where}` });
    else if (text !== undefined) policy = parseBaseDocument(text, file, validator, problems) as ApprovalPolicy | undefined;
  }
  let people = sim.people?.map((p, i) => toPerson(p, given.files[i]));
  if (!people) {
    people = [];
    for (const f of await readDir('policies/access/people')) {
      const text = await readText(f);
      const d = text === undefined ? undefined : parseBaseDocument(text, f, validator, problems);
      if (d) people.push(toPerson(d, f));
    }
  }
  let groups: InventoryGroup[] | undefined = sim.groups?.map((g) => toGroup(g));
  if (!groups) {
    groups = [];
    for (const f of await readDir('inventory/groups')) {
      const text = await readText(f);
      const d = text === undefined ? undefined : parseBaseDocument(text, f, validator, problems);
      if (d) groups.push(toGroup(d));
    }
  }
  let freezes = sim.freezes;
  let calendarFile = sim.calendar_file ?? 'policies/calendar.yaml';
  if (!freezes) {
    const file = (calendarFile = singletonFile('policies/calendar', (p) => exists.has(p), problems, where));
    const text = exists.has(file) ? await readText(file) : undefined;
    freezes = toFreezes(text === undefined ? undefined : parseBaseDocument(text, file, validator, problems));
  }
  if (policy) problems.push(...checkPolicyReferences(policy, people, policyFile));
  const at = sim.now ? new Date(sim.now) : now;
  if (Number.isNaN(at.getTime())) throw new UsageError(`${file}: now '${sim.now}' is not an ISO 8601 date-time`);
  return {
    policy: policy ?? { id: 'approval', teams: {}, governance: { paths: [], require: { any: [] } }, rules: [] },
    policy_commit: sim.policy_commit ?? 'working-tree',
    policy_file: policyFile,
    calendar_file: calendarFile,
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
 * Gate input's people as person documents, so a simulation written from gate input reads back:
 * the gate writes a person without a GitHub login as `github: ""` (toPerson), which a person
 * document omits (both mean "no login"), and the file a person was read from as `file`, which
 * is no field of a person document: it is taken out here, and names that file in messages.
 */
function asPersonDocuments(raw: unknown, simFile: string): { raw: unknown; files: (string | undefined)[] } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { raw, files: [] };
  const people = (raw as { people?: unknown }).people;
  if (!Array.isArray(people)) return { raw, files: [] };
  const files: (string | undefined)[] = [];
  const cleaned = people.map((p: unknown, i) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) {
      files.push(undefined);
      return p;
    }
    const { file, ...rest } = p as Record<string, unknown>;
    if (file !== undefined && (typeof file !== 'string' || !PERSON_FILE.test(file)))
      throw new UsageError(
        `${simFile}: people[${i}].file must name a file under policies/access/people/ (.yaml or .yml), not ${JSON.stringify(file)}`,
        'leave `file` out, or write the gate input as it was collected',
      );
    files.push(file);
    if (rest.github === '') delete rest.github;
    return rest;
  });
  return { raw: { ...(raw as object), people: cleaned }, files };
}

const PERSON_FILE = /^policies\/access\/people\/[^/]+\.ya?ml$/;
