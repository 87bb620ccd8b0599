/** Loads every workflow (and action.yml) with the `yaml` package, as data the tests walk. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WORKFLOWS = path.join(ROOT, '.github/workflows');

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  shell?: string;
}

export interface Job {
  'runs-on'?: unknown;
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: unknown;
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string } | string;
  needs?: string | string[];
  if?: string;
  steps?: Step[];
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
}

export interface Workflow {
  file: string;
  text: string;
  name: string;
  on: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

/** Triggers as an object, whatever form the file uses (`on: push`, `on: [a, b]`, `on: {a: …}`). */
function triggers(on: unknown): Record<string, unknown> {
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t) => [String(t), null]));
  return (on ?? {}) as Record<string, unknown>;
}

export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(WORKFLOWS, file), 'utf8');
      const wf = parse(text, { uniqueKeys: true }) as Workflow & { on: unknown };
      return { ...wf, file, text, on: triggers(wf.on) };
    });
}

export function loadAction(): { text: string; action: { runs: { using: string; steps: Step[] }; inputs: Record<string, unknown> } } {
  const text = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
  return { text, action: parse(text, { uniqueKeys: true }) };
}

/** The reusable workflow a job calls (`uses: ./.github/workflows/x.yml`), if any. */
export function calledWorkflow(all: Workflow[], job: Job): Workflow | undefined {
  const m = /^\.\/\.github\/workflows\/(.+)$/.exec(job.uses ?? '');
  return m ? all.find((w) => w.file === m[1]) : undefined;
}

/** The workflow's jobs, with calls to local reusable workflows followed (job id `caller/called`). */
export function expandedJobs(all: Workflow[], wf: Workflow): { id: string; job: Job; workflow: Workflow; caller?: Job }[] {
  const out: { id: string; job: Job; workflow: Workflow; caller?: Job }[] = [];
  for (const [id, job] of Object.entries(wf.jobs)) {
    const called = calledWorkflow(all, job);
    if (called) for (const [cid, cjob] of Object.entries(called.jobs)) out.push({ id: `${id}/${cid}`, job: cjob, workflow: called, caller: job });
    else out.push({ id, job, workflow: wf });
  }
  return out;
}

/** Every `${{ … }}` expression in a value (strings, nested objects). */
export function expressions(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!.trim());
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (value && typeof value === 'object') return Object.values(value).flatMap(expressions);
  return [];
}

export const envName = (e: Job['environment']) => (typeof e === 'string' ? e : e?.name);
