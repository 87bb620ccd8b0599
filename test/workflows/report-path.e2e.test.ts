/**
 * The report path as CI runs it: report.yml's steps in order (the steps of
 * reusable-report.yml) on the sample organisation, against an origin protected
 * like the README says. Each report is generated once, the audit report is the
 * job summary, the reports land on main through the App, and a second run lands
 * on top of the first, touching reports/ only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './load.ts';
import { createProtectedOrigin, type ProtectedOrigin } from './protected-origin.ts';
import { runWorkflow, type Runner } from './run-workflow.ts';

let origin: ProtectedOrigin;
let runner: Runner;
let scratch: string;

beforeAll(async () => {
  origin = createProtectedOrigin({});
  // The sample organisation as committed here, without its generated reports.
  const seed = path.join(origin.dir, 'sample');
  mkdirSync(seed);
  execFileSync('sh', ['-c', 'git -C "$1" archive HEAD -- changes incidents inventory policies records runbooks schemas | tar -x -C "$2"', 'sh', ROOT, seed]);
  execFileSync('cp', [path.join(ROOT, 'package.json'), seed]);
  const git = (...a: string[]) => origin.git(seed, a);
  git('init', '-q', '-b', 'main');
  git('fetch', '-q', origin.bare, 'main');
  git('reset', '-q', '--soft', 'FETCH_HEAD');
  git('add', '-A');
  git('commit', '-q', '-m', 'Merge pull request #1: the sample organisation');
  origin.git(seed, ['push', '-q', origin.bare, 'HEAD:main'], 'merge');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'og-wf-report-'));
  runner = {
    origin,
    dir: scratch,
    repository: 'yunfan-tech/ops-policies',
    vars: { OPSGATE_APP_ID: '123456' },
    secrets: { repository: {}, environments: { opsgate: { OPSGATE_APP_PRIVATE_KEY: 'test-only key' }, production: {} } },
  };
}, 120_000);

afterAll(async () => {
  origin?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('report as CI runs it', () => {
  it('generates each report once, lands them through the App, and a second run lands on top of the first', async () => {
    const r = await runWorkflow(runner, 'report.yml', { name: 'workflow_dispatch', runId: '2001', inputs: { period: '2026-11' } });
    expect(r.jobs['report/report']!.result, r.log).toBe('success');
    expect(r.jobs['report/land']!.result, r.log).toBe('success');
    expect(r.jobs['report/verdict']!.result, r.log).toBe('success');
    expect(r.jobs['report/report']!.environment).toBeUndefined();
    expect(r.jobs['report/land']!.environment).toBe('opsgate');

    const landed = origin.git(origin.bare, ['ls-tree', '-r', '--name-only', 'main', '--', 'reports/']).trim().split('\n').sort();
    expect(landed).toEqual(['audit', 'monthly'].flatMap((k) => ['en', 'zh-CN'].flatMap((l) => ['html', 'json', 'md'].map((e) => `reports/${k}-2026-11.${l}.${e}`))).sort());
    expect(origin.git(origin.bare, ['log', '-1', '--format=%an|%s', 'main']).trim()).toBe('opsgate-bot|records: opsgate report run 2001 (12 files)');
    // The audit report in the organisation's language (zh-CN) is the job summary, written once.
    const summary = path.join(scratch, 'run-2001', 'report--report', 'temp', 'summary.md');
    expect(existsSync(summary)).toBe(true);
    expect(readFileSync(summary, 'utf8')).toContain('审核');

    // A second run reads the commit the first one landed and lands on top of it, touching reports/ only. Its cover
    // cites the last commit that changed the evidence, not HEAD, so once the period has ended the reports are
    // byte-identical and there is nothing to land (before that, a provisional report names the time it was made).
    const before = origin.git(origin.bare, ['rev-parse', 'main']).trim();
    const again = await runWorkflow(runner, 'report.yml', { name: 'workflow_dispatch', runId: '2002', inputs: { period: '2026-11' } });
    expect(again.jobs['report/land']!.result, again.log).toBe('success');
    const touched = origin.git(origin.bare, ['diff', '--name-only', before, 'main']).trim().split('\n').filter(Boolean);
    for (const f of touched) expect(f).toMatch(/^reports\//);
    expect(origin.git(origin.bare, ['merge-base', '--is-ancestor', before, 'main']).trim()).toBe('');
  }, 300_000);
});
