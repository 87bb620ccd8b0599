/**
 * The scheduled backup verification cannot drift from the policies: lint reads
 * the workflow files (the real ones of this repository, then each tampered the
 * way a careless edit would) and names every policy whose cadence the schedule
 * no longer holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCron } from '../../scripts/converge/backup-schedule.ts';
import { maxGapHours, policiesOfCommand, readVerifySchedules, type WorkflowText } from '../../scripts/backup/verify-schedule.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import type { RepoModel } from '../../scripts/repo/repo-model.ts';
import { checkBackupVerifySchedule } from '../../scripts/rules/backup-schedule-rules.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NOW = new Date('2026-11-30T00:00:00Z');
const DIR = path.join(ROOT, '.github/workflows');
const real: WorkflowText[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((f) => ({ file: `.github/workflows/${f}`, text: readFileSync(path.join(DIR, f), 'utf8') }));
const TRIGGER = '.github/workflows/backup-verify.yml';
const edit = (fn: (text: string) => string) => real.map((w) => (w.file === TRIGGER ? { ...w, text: fn(w.text) } : w));

let repo: RepoModel;
beforeAll(async () => {
  repo = await readRepo(ROOT);
});

const lint = (workflows: WorkflowText[]) =>
  checkBackupVerifySchedule({ repo, now: NOW, existingFiles: new Set(), backupVerifySchedules: readVerifySchedules(workflows, NOW) }).map((d) => [d.code, d.file, d.line] as const);
const lineOfEvery = (policy: string) =>
  readFileSync(path.join(ROOT, 'policies/backup', `${policy}.yaml`), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('restore_test_every_days')) + 1;

describe('backup.verify-unscheduled / backup.verify-schedule-sparse', () => {
  it('the repository as it is: the daily backup-verify.yml holds both policies', () => {
    const read = readVerifySchedules(real, NOW);
    expect(read.schedules).toEqual([{ file: TRIGGER, line: 17, crons: ['0 20 * * *'], policies: null, maxGapHours: 24 }]);
    expect(lint(real)).toEqual([]);
  });

  it.each([
    [
      'the workflow is gone',
      (ws: WorkflowText[]) => ws.filter((w) => w.file !== TRIGGER),
      [
        ['backup.verify-unscheduled', 'db-mysql'],
        ['backup.verify-unscheduled', 'web-config'],
      ],
    ],
    [
      'restore tests switched off',
      () => edit((t) => t.replace('restore-test: due', 'restore-test: none')),
      [
        ['backup.verify-unscheduled', 'db-mysql'],
        ['backup.verify-unscheduled', 'web-config'],
      ],
    ],
    ['narrowed to one policy', () => edit((t) => t.replace('restore-test: due', 'restore-test: due\n      policies: web-config')), [['backup.verify-unscheduled', 'db-mysql']]],
    ["monthly on the 1st (31 days apart > db-mysql's 30)", () => edit((t) => t.replace("'0 20 * * *'", "'0 20 1 * *'")), [['backup.verify-schedule-sparse', 'db-mysql']]],
    [
      "every 3 months (92 days > web-config's 90 too)",
      () => edit((t) => t.replace("'0 20 * * *'", "'0 20 1 */3 *'")),
      [
        ['backup.verify-schedule-sparse', 'db-mysql'],
        ['backup.verify-schedule-sparse', 'web-config'],
      ],
    ],
    [
      'on-demand only (no schedule)',
      () => edit((t) => t.replace("  schedule:\n    - cron: '0 20 * * *'\n", '')),
      [
        ['backup.verify-unscheduled', 'db-mysql'],
        ['backup.verify-unscheduled', 'web-config'],
      ],
    ],
  ] as const)('%s', (_name, mutate, expected) => {
    const ws = typeof mutate === 'function' ? (mutate as (w: WorkflowText[]) => WorkflowText[])(real) : mutate;
    expect(lint(ws)).toEqual(expected.map(([code, p]) => [code, `policies/backup/${p}.yaml`, lineOfEvery(p)]));
  });

  it('a cron GitHub would not take is named on the workflow, and not counted as a cadence', () => {
    expect(lint(edit((t) => t.replace("'0 20 * * *'", "'0 25 * * *'")))).toEqual([['backup.verify-schedule-cron', TRIGGER, 17]]);
  });

  it('a direct run step counts only with --record and --due/--restore-test and without --hosts', () => {
    const wf = (run: string): WorkflowText[] => [
      { file: '.github/workflows/own.yml', text: `on:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  v:\n    runs-on: x\n    steps:\n      - run: |\n          ${run}\n` },
    ];
    expect(lint(wf('npx opsgate backup verify --record --due'))).toEqual([]);
    expect(lint(wf('npx opsgate backup verify --record --due --policies=db-mysql')).map((d) => d[0])).toEqual(['backup.verify-unscheduled']);
    for (const bad of ['npx opsgate backup verify --due', 'npx opsgate backup verify --record', 'npx opsgate backup verify --record --due --hosts web-01']) {
      expect(
        lint(wf(bad)).map((d) => d[0]),
        bad,
      ).toEqual(['backup.verify-unscheduled', 'backup.verify-unscheduled']);
    }
  });
});

describe('maxGapHours (UTC, as GitHub schedules)', () => {
  const gap = (...crons: string[]) =>
    maxGapHours(
      crons.map((c) => {
        const p = parseCron(c);
        if (!p.ok) throw new Error(p.message);
        return p.spec;
      }),
      NOW,
    );
  it.each([
    [['0 20 * * *'], 24],
    [['0 */6 * * *'], 6],
    [['0 20 * * 1'], 168],
    [['0 20 * * 1', '0 8 * * 4'], 108],
    [['0 20 1 * *'], 31 * 24],
    [['0 20 29 2 *'], Infinity],
  ] as const)('%j → %s h', (crons, hours) => expect(gap(...crons)).toBe(hours));
  it('policiesOfCommand', () => {
    expect(policiesOfCommand('npx opsgate backup verify --record --due --policies "a,b"')).toEqual(['a', 'b']);
    expect(policiesOfCommand('echo hello')).toBeUndefined();
  });
});
