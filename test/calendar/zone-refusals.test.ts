/**
 * The commands that act or write times from the loaded repository refuse a calendar whose zone cannot be told
 * (ARCHITECTURE.md, "The calendar's time zone"), located at the value, instead of computing with UTC in its place:
 * plan and apply (grants start in the zone), converge access, converge backup (schedules), backup verify and inspect
 * (the times they write); `land lease --if-due` takes no lease for the schedule's work that would refuse.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackup } from '../../scripts/backup/load.ts';
import { loadPlan } from '../../scripts/change/load-plan.ts';
import { backupPolicyProblems } from '../../scripts/converge/backup-run.ts';
import { accessInputs } from '../../scripts/converge/run-access.ts';
import { loadInspection } from '../../scripts/inspect/load.ts';
import { zoneProblems, zoneTold } from '../../scripts/rules/calendar-zone.ts';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { captureStdio } from '../helpers/capture.ts';
import { gitIn } from '../helpers/pr-repo.ts';
import { repoFromFiles, repoRoot } from '../helpers/repo-from-files.ts';
import { calendar, change, group, host, person } from '../rules/fixture-docs.ts';

const withZone = (value: string) => calendar.replace('timezone: Asia/Shanghai', `timezone: ${value}`);
const repo = (calendarText?: string) =>
  repoFromFiles({
    'inventory/groups/web.yaml': group('web'),
    'inventory/hosts/web-01.yaml': host('web-01'),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'changes/2026/CHG-2026-0001.yaml': change(),
    ...(calendarText === undefined ? {} : { 'policies/calendar.yaml': calendarText }),
  });
const AT = { file: 'policies/calendar.yaml', line: 2, col: 11 };

describe('zoneProblems: the zone the calendar does not give, located at the value', () => {
  it.each([
    ['a misspelt zone', 'Asia/Shanghi', "'Asia/Shanghi'"],
    ['an empty string', '""', "''"],
    ['a number (the calendar does not load)', '8', 'not a string'],
  ])('%s', async (_, value, shown) => {
    const r = await repo(withZone(value));
    const problems = zoneProblems(r);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'calendar.timezone-invalid', severity: 'error', ...AT });
    expect(problems[0]!.message).toContain(shown);
    expect(zoneTold(r)).toBe(false);
  });

  it('none for an IANA zone or a repository without a calendar', async () => {
    for (const r of [await repo(calendar), await repo()]) {
      expect(zoneProblems(r)).toEqual([]);
      expect(zoneTold(r)).toBe(true);
    }
  });

  it('a calendar that exists and did not load for another reason gives no zone either', async () => {
    const r = await repo(calendar.replace('maintenance_windows:', 'maintenance_windowz:'));
    expect(zoneTold(r)).toBe(false);
  });
});

describe('commands that act or write times refuse it', () => {
  it('converge access: a usage error (exit 2) naming the place', async () => {
    const bad = await repo(withZone('Asia/Shanghi'));
    expect(() => accessInputs(bad)).toThrow(/policies\/calendar\.yaml:2:11 calendar\.timezone-invalid/);
    expect(accessInputs(await repo(calendar)).timezone).toBe('Asia/Shanghai');
  });

  it('converge backup: a policy problem, before anything connects', async () => {
    const problems = await backupPolicyProblems(await repo(withZone('Europe/Berln')), [], { localCalendarCheck: false });
    expect(problems.map((d) => d.code)).toEqual(['calendar.timezone-invalid']);
  });

  it('plan and apply: an error in the plan (plan exits 2, apply refuses)', async () => {
    const r = await repo(withZone('Asia/Shanghi'));
    const plan = await loadPlan(r, r.get('change', 'CHG-2026-0001')!, new Date('2026-12-01T00:00:00Z'));
    expect(plan.diagnostics.filter((d) => d.code === 'calendar.timezone-invalid')).toMatchObject([{ severity: 'error', ...AT }]);
    const good = await repo(calendar);
    const fine = await loadPlan(good, good.get('change', 'CHG-2026-0001')!, new Date('2026-12-01T00:00:00Z'));
    expect(fine.diagnostics.filter((d) => d.code.startsWith('calendar.'))).toEqual([]);
  });
});

describe('backup verify and inspect: the input is unusable', () => {
  let root: string | undefined;
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a copy of the sample organisation with a misspelt zone', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-zone-refusals-'));
    for (const d of ['policies', 'inventory', 'schemas']) await cp(path.join(repoRoot, d), path.join(root, d), { recursive: true });
    const file = path.join(root, 'policies/calendar.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^timezone: Asia\/Shanghai$/m, 'timezone: Asia/Shanghi'));
    const backup = await loadBackup(root, { hosts: [], policies: [] });
    expect(backup.unusable).toBe(true);
    expect(backup.diagnostics.map((d) => d.code)).toContain('calendar.timezone-invalid');
    const inspection = await loadInspection(root, { hosts: [], groups: [], baselines: [] });
    expect(inspection.unusable).toBe(true);
    expect(inspection.diagnostics.map((d) => d.code)).toContain('calendar.timezone-invalid');
  }, 60_000);
});

describe('land lease --if-due: backup work the schedule would refuse takes no lease', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });

  /** A copy of the sample organisation with the calendar's zone set to `zone`, pushed to a bare origin; then `land lease --if-due`. */
  async function leaseIfDue(zone: string) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-zone-lease-'));
    roots.push(root, `${root}.git`);
    for (const d of ['policies', 'inventory', 'schemas']) await cp(path.join(repoRoot, d), path.join(root, d), { recursive: true });
    const file = path.join(root, 'policies/calendar.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^timezone: Asia\/Shanghai$/m, `timezone: ${zone}`));
    await gitIn(root, 'init', '-q', '-b', 'main');
    await gitIn(root, 'add', '.');
    await gitIn(root, 'commit', '-q', '-m', 'sample');
    await gitIn(root, 'init', '-q', '--bare', '-b', 'main', `${root}.git`);
    await gitIn(root, 'push', '-q', `${root}.git`, 'main');
    await gitIn(root, 'remote', 'add', 'origin', `${root}.git`);
    const outputs = path.join(root, '.github-output');
    await writeFile(outputs, '');
    const io = captureStdio();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_OUTPUT: outputs, GITHUB_REF_NAME: 'main' };
    const code = await runCli(['--root', root, 'land', 'lease', '--flow', 'apply', '--run', '7', '--if-due'], { env, stdout: io.stdout, stderr: io.stderr, cwd: root });
    const branches = (await gitIn(root, '--git-dir', `${root}.git`, 'branch', '--list')).stdout;
    return { code, out: io.out(), err: io.err(), outputs: await readFile(outputs, 'utf8'), leased: branches.includes('opsgate/lease/apply') };
  }

  it('a zone the calendar gives: the backup hosts are due and the lease is taken', async () => {
    const r = await leaseIfDue('Asia/Shanghai');
    expect(r.out).toMatch(/^converge backup due on db-01, /m);
    expect(r.code).toBe(0);
    expect(r.leased).toBe(true);
  }, 60_000);

  it('a misspelt zone: the refusal, located, no backup host due and no lease (exit 2)', async () => {
    const r = await leaseIfDue('Asia/Shanghi');
    expect(r.out).not.toContain('converge backup due');
    expect(r.err).toMatch(/policies\/calendar\.yaml:\d+:\d+.*calendar\.timezone-invalid/);
    expect(r.err).toContain('refusing to start: apply --due refuses every change and backup converge until the calendar gives its time zone; no lease taken');
    expect(r.outputs).toContain('leased=false');
    expect(r.leased).toBe(false);
    expect(r.code).toBe(2);
  }, 60_000);
});
