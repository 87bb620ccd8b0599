import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { loadSimulation } from '../../scripts/gate/simulate.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator, humanPath } from '../../scripts/repo/validate-schema.ts';
import { FIXTURES, NOW, ROOT } from './helpers.ts';

/**
 * `opsgate gate --simulate FILE` on hostile files: every field of a simulation file set, one at a
 * time, to a value of another shape. Each must end as exit 2 naming the field (or a decision), never
 * as an internal error (exit 3).
 */
const BASE = path.join(FIXTURES, 'base');
const FIXTURE = path.join(FIXTURES, 'simulate-db-change.json');
const VALUES: unknown[] = [null, 5, 'x', [], {}, [null], [5], ['x'], [{}]];
/** Fields whose value may be null: a mutation to null there is not a change of shape. */
const NULLABLE = [/^pr\.commits\[\d+\]\.(author|committer)_login$/, /^pr\.reviews\[\d+\]\.(commit_id|submitted_at)$/, /^pr\.changed_since\[/, /\.deploys\[\d+\]\.blob$/];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Seg = string | number;

let tmp: string;
let plain: Json;
let rich: Json;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-simfuzz-'));
  plain = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Json;
  rich = await richSimulation();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What `sample:records` writes: the whole gate input (policy, people, groups, freezes, problems) and every optional PR fact. */
async function richSimulation(): Promise<Json> {
  const validator = createSchemaValidator(await readSchemas(ROOT));
  const { now: _now, ...input } = await loadSimulation(FIXTURE, BASE, validator, NOW);
  const sim = JSON.parse(JSON.stringify({ now: NOW.toISOString(), ...input })) as { [k: string]: Json } & { pr: { [k: string]: Json } };
  const doc = (sim.pr.documents as Json[])[0] as { [k: string]: Json };
  Object.assign(doc, { deploys: ['runbooks/mysql-minor-upgrade.md'], governance: ['a host route changed'] });
  Object.assign(doc.change as object, { rollout: { hosts: ['db-02'], batches: [['db-02']], max_failures: 0 }, emergency: { justification: 'outage', retro_review_due: '2026-11-28T03:00:00Z' } });
  Object.assign((sim.pr.commits as Json[])[0] as object, {
    author_type: 'User',
    committer_type: 'User',
    author_name: 'Li Na',
    author_email: 'lina@example.com',
    committer_email: 'lina@example.com',
    message: 'x\n\nCo-authored-by: A <a@example.com>',
  });
  sim.problems = [{ code: 'gate.example', message: 'an example problem', file: 'policies/approval.yaml' }];
  Object.assign(sim.pr, {
    related: [{ path: 'runbooks/mysql-minor-upgrade.md', doc: JSON.parse(JSON.stringify(doc)) as Json, why: 'deployed by CHG-2026-0300' }],
    bindings: [{ change: 'CHG-2026-0300', file: 'changes/2026/CHG-2026-0300.yaml', blob: 'c'.repeat(40), deploys: [{ path: 'runbooks/mysql-minor-upgrade.md', blob: null }] }],
    permissions: { 'wangfang-yf': 'write' },
    plans: [{ change: 'CHG-2026-0300', hosts: 1, prod_hosts: ['db-02'], secrets: [{ name: 'db-pass', hosts: ['db-02'] }], sudo: ['steps upgrade'], markdown: '### CHG-2026-0300\n' }],
    backup_plans: [
      {
        policy: 'db',
        file: 'policies/backup/db.yaml',
        status: 'modified',
        hosts: [{ host: 'db-02', changes: ['retention'] }],
        retention_shrinks: [{ keep: 'keep_daily', from: 7, to: 3 }],
        schedule: { from: { full: 'Sun 02:00' }, to: { full: 'Sun 03:00' } },
      },
    ],
  });
  return sim;
}

/**
 * Every path to a value, following only the first item of each list (the others have its shape).
 * Not inside the policy below its second level (schemas/approval.schema.json has its own tests) nor
 * inside a related subject's document (the same definition as pr.documents[0], fuzzed there).
 */
function paths(v: Json, at: Seg[] = []): Seg[][] {
  const out: Seg[][] = [at];
  const shallow = (at[0] === 'policy' && at.length >= 2) || (at[1] === 'related' && at.length >= 4);
  if (shallow || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) return v.length ? [...out, ...paths(v[0]!, [...at, 0])] : out;
  for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function getAt(v: Json, at: Seg[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const s of at) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, Json>)[s as string] : undefined;
  return cur;
}

function setAt(v: Json, at: Seg[], value: unknown): unknown {
  if (!at.length) return value;
  const copy = JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
  let cur = copy;
  for (const s of at.slice(0, -1)) cur = cur[s as string] as Record<string, unknown>;
  cur[at.at(-1) as string] = value;
  return copy;
}

const shape = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v);
const where = (at: Seg[]) => humanPath(at.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}
async function simulate(doc: unknown, name: string): Promise<Outcome> {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify(doc));
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await runCli(['gate', '--root', BASE, '--simulate', file, '--format', 'github'], {
    env: {},
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd: ROOT,
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

describe('opsgate gate --simulate on a file of the wrong shape', () => {
  it('fuzz: every field × null, 5, "x", [], {}, [null], [5], ["x"], [{}] ends as exit 2 naming the field, or as a decision; never exit 3', async () => {
    const cases: { base: 'plain' | 'rich'; at: Seg[]; value: unknown }[] = [];
    const seen = new Set<string>();
    const add = (base: 'plain' | 'rich', at: Seg[]) => {
      const key = JSON.stringify(at);
      if (seen.has(key)) return;
      seen.add(key);
      for (const value of VALUES) cases.push({ base, at, value });
    };
    for (const at of paths(plain)) add('plain', at);
    for (const at of paths(rich)) add('rich', at);
    const crashed: string[] = [];
    const unlocated: string[] = [];
    let n = 0;
    for (const c of cases) {
      const doc = c.base === 'plain' ? plain : rich;
      const before = getAt(doc, c.at);
      const r = await simulate(setAt(doc, c.at, c.value), `case-${n++}.json`);
      const label = `${c.base} ${where(c.at)} = ${JSON.stringify(c.value)}: exit ${r.code} ${r.stderr.split('\n').slice(0, 2).join(' / ')}`;
      if (r.code === 3 || /internal error/i.test(r.stderr) || ![0, 1, 2].includes(r.code)) {
        crashed.push(label);
        continue;
      }
      // A value of another shape than the file had is a violation, named by its path (null had no shape to keep).
      const changedShape =
        before !== null && shape(before) !== shape(c.value) && !(c.value === null && NULLABLE.some((re) => re.test(where(c.at)))) && !(shape(before) === 'integer' && shape(c.value) === 'number');
      if (changedShape && (r.code !== 2 || !r.stderr.includes(c.at.length ? `: ${where(c.at)}` : ': '))) unlocated.push(label);
      if (r.code === 2 && !r.stderr.includes(`${path.join(tmp, `case-${n - 1}.json`)}:`)) unlocated.push(`${label} (the message does not name the file)`);
    }
    expect(cases.length, String(cases.length)).toBeGreaterThan(1500);
    expect(crashed, `${crashed.length} of ${cases.length} cases crashed`).toEqual([]);
    expect(unlocated, `${unlocated.length} of ${cases.length} cases were not refused at their field`).toEqual([]);
  }, 600_000);

  it('names every violation by its JSON path, all of them, with what was expected', async () => {
    const doc = JSON.parse(JSON.stringify(plain)) as { pr: { reviews: Record<string, unknown>[]; author: unknown; files: Record<string, unknown>[] } };
    doc.pr.reviews[2] = { ...doc.pr.reviews[2], user: null, state: 'approved' };
    doc.pr.author = 'lina-yf';
    delete doc.pr.files[1]!.status;
    const r = await simulate(doc, 'three.json');
    expect(r.code).toBe(2);
    const file = path.join(tmp, 'three.json');
    expect(r.stderr).toContain(`${file} is not a usable simulation file (4 problems)`);
    expect(r.stderr).toContain(`${file}: pr.author: must be an object (it is "lina-yf")`);
    expect(r.stderr).toContain(`${file}: pr.files[1]: missing required property 'status'`);
    expect(r.stderr).toContain(`${file}: pr.reviews[2]: unknown property 'user'`);
    expect(r.stderr).toContain(`${file}: pr.reviews[2].state: "approved" is not one of "APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"`);
    expect(r.stderr).not.toMatch(/internal error|\bat \S+ \(/);
  });

  it.each([
    ['the whole file is null', null, /: the file: must be an object \(it is null\)/],
    ['the whole file is a list', [plain], /: the file: must be an object/],
    ['no pr', {}, /: the file: missing required property 'pr'/],
  ])('refuses a file whose top level is wrong: %s', async (_what, doc, message) => {
    const r = await simulate(doc, 'top.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('checks the policy with schemas/approval.schema.json and people with the person schema, not copies of them', async () => {
    const doc = JSON.parse(JSON.stringify(rich)) as { policy: { rules: Record<string, unknown>[] }; people: Record<string, unknown>[]; freezes: Record<string, unknown>[] };
    doc.policy.rules[0]!.emergency = 'sometimes';
    doc.people[0]!.status = 'gone';
    doc.freezes[0]!.start = '2027-02-03 00:00';
    const r = await simulate(doc, 'policy.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/: policy\.rules\[0\]\.emergency: "sometimes" is not one of "reduced", "full"/);
    expect(r.stderr).toMatch(/: people\[0\]\.status: "gone" is not one of "active", "left", "suspended"/);
    expect(r.stderr).toMatch(/: freezes\[0\]\.start: /);
  });

  it('an empty author (GitHub returned no user) fails closed, as the live gate does', async () => {
    const doc = JSON.parse(JSON.stringify(plain)) as { pr: { author: { login: string } } };
    doc.pr.author.login = '';
    const r = await simulate(doc, 'no-author.json');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('gate.no-author');
  });

  it('reads back a simulation written from the gate input (sample:records writes them so), with the same decision', async () => {
    const fromInput = await simulate(rich, 'rich.json');
    const fromFacts = await simulate(plain, 'plain.json');
    expect(fromInput.stderr).toBe('');
    expect(fromInput.code).toBe(1);
    expect(fromFacts.code).toBe(1);
  });
});
