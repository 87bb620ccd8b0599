import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './helpers.ts';

/** The gate's wiring must not let the judged pull request run code or choose what judges it. */
const load = (f: string) => ({ text: readFileSync(path.join(ROOT, '.github/workflows', f), 'utf8'), wf: parse(readFileSync(path.join(ROOT, '.github/workflows', f), 'utf8')) });
type Step = { uses?: string; with?: Record<string, unknown>; run?: string; env?: Record<string, string> };
type Job = { permissions?: Record<string, string>; steps: Step[]; if?: string };

describe.each(['gate.yml', 'gate-review-relay.yml'])('%s', (file) => {
  const { text, wf } = load(file);
  const jobs = Object.values(wf.jobs as Record<string, Job>);

  it('runs only on base-branch events and grants nothing at the top level', () => {
    expect(Object.keys(wf.on)).toEqual([file === 'gate.yml' ? 'pull_request_target' : 'workflow_run']);
    expect(wf.permissions).toEqual({});
  });

  it('asks for exactly the permissions the gate uses', () => {
    for (const j of jobs) expect(j.permissions).toEqual({ contents: 'read', 'pull-requests': 'read', statuses: 'write', issues: 'write' });
  });

  it('never checks out, fetches or runs the pull request head', () => {
    expect(text).not.toMatch(/pull_request\.head|head_ref|head\.sha|refs\/pull|merge_commit_sha/);
    const checkouts = jobs.flatMap((j) => j.steps).filter((s) => s.uses?.startsWith('actions/checkout'));
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0]!.with?.ref).toMatch(file === 'gate.yml' ? /^\$\{\{ github\.event\.pull_request\.base\.sha \}\}$/ : /default_branch/);
    expect(checkouts[0]!.with?.['persist-credentials']).toBe(false);
    for (const s of jobs.flatMap((j) => j.steps)) if (s.run) expect(s.run).not.toMatch(/\$\{\{/); // no expression injection into shell
    expect(text).toMatch(/npm ci --ignore-scripts/);
  });
});

it('the review trigger is inert: no permissions, no checkout, no secrets', () => {
  const { text, wf } = load('gate-review-trigger.yml');
  expect(Object.keys(wf.on)).toEqual(['pull_request_review']);
  expect(wf.permissions).toEqual({});
  expect(text.replace(/^\s*#.*$/gm, '')).not.toMatch(/checkout|secrets\.|npm|npx/);
  const relay = load('gate-review-relay.yml').wf;
  expect(relay.on.workflow_run.workflows).toEqual([wf.name]);
});
