import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliAt, SINGLETON_YAML } from './yml-spelling-harness.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { group, host, person } from '../rules/fixture-docs.ts';

/**
 * Every command reads a singleton policy spelled .yml (scripts/repo/singleton-path.ts). What it tells the reader
 * names that file too: a repository with only policies/calendar.yml is never told to fix policies/calendar.yaml.
 */
const CALENDAR = 'id: calendar\ntimezone: Asia/Shanghai\nmaintenance_windows: []\n';
const ONCALL = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00}
`;
const BACKUP = `id: db
title: db
targets: {groups: [db]}
paths: [/var/backups/db]
tool: restic
repository: {url: /srv/restic/db, password_env: RESTIC_PASSWORD_DB}
offhost: {host: web-01}
encryption: true
schedule: {full: "0 2 * * *"}
retention: {keep_daily: 7}
rpo_hours: 24
rto_hours: 4
verification: {restore_test_every_days: 30}
converge: {maintenance_window: true}
`;
const NOW = '2026-11-30T12:00:00+08:00';

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/** A small repository (every schema) whose calendar is policies/calendar.yml with `calendar`, plus `extra`. */
async function ymlRepo(calendar = CALENDAR, extra: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-yml-names-'));
  roots.push(root);
  await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  const files: Record<string, string> = {
    'inventory/groups/db.yaml': group('db'),
    'inventory/groups/web.yaml': group('web'),
    'inventory/hosts/db-01.yaml': host('db-01', { groups: 'db' }),
    'inventory/hosts/web-01.yaml': host('web-01'),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'policies/calendar.yml': calendar,
    ...extra,
  };
  for (const [f, t] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), t);
  }
  return root;
}

const cli = (root: string, ...args: string[]) => runCliAt(root, args, NOW, { RESTIC_PASSWORD_DB: 'pw' });

describe('commands name policies/calendar.yml when that is the calendar the repository has', () => {
  it('new change: no maintenance window in policies/calendar.yml', async () => {
    const root = await ymlRepo();
    const r = await cli(root, 'new', 'change', '--title', 'restart nginx');
    expect(r.out).toContain('policies/calendar.yml has no maintenance window open to this change');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('calendar sync: policies/calendar.yml does not parse as a mapping', async () => {
    const root = await ymlRepo('- not\n- a mapping\n');
    const r = await cli(root, 'calendar', 'sync', '--year', '2026');
    expect(r.code).toBe(2);
    expect(r.err).toContain('policies/calendar.yml does not parse as a mapping');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('calendar export: policies/calendar.yml is missing or invalid', async () => {
    const root = await ymlRepo('id: calendar\ntimezone: 3\n');
    const r = await cli(root, 'calendar', 'export', '--ics');
    expect(r.code).toBe(2);
    expect(r.err).toContain('policies/calendar.yml is missing or invalid');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('calendar export: the subscriptions say they come from policies/calendar.yml and policies/oncall.yml', async () => {
    const root = await ymlRepo(CALENDAR, { 'policies/oncall.yml': ONCALL });
    const r = await cli(root, 'calendar', 'export', '--ics', '--from', '2026-11-01', '--until', '2026-11-30');
    expect(r.err).toBe('');
    const ics = (name: string) => readFile(path.join(root, 'calendars', name), 'utf8').then((t) => t.replace(/\r\n[ \t]/g, ''));
    expect(await ics('maintenance.ics')).toContain('from policies/calendar.yml');
    expect(await ics('oncall-team.ics')).toContain('of policies/oncall.yml');
    for (const f of ['maintenance.ics', 'oncall-team.ics']) expect(await ics(f)).not.toMatch(SINGLETON_YAML);
  });

  it('report: cannot use the time zone from policies/calendar.yml', async () => {
    const root = await ymlRepo('id: calendar\ntimezone: Mars/Olympus\nmaintenance_windows: []\n');
    const r = await cli(root, 'report', 'monthly', '--period', '2026-10', '--format', 'json');
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot use time zone 'Mars/Olympus' from policies/calendar.yml");
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('converge backup --dry-run: no maintenance window in policies/calendar.yml applies', async () => {
    const root = await ymlRepo(CALENDAR, { 'policies/backup/db.yaml': BACKUP });
    const r = await cli(root, 'converge', 'backup', '--dry-run');
    expect(r.out).toContain('no maintenance window in policies/calendar.yml applies to db-01');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('apply --due --dry-run: the host waits, no maintenance window in policies/calendar.yml applies', async () => {
    const root = await ymlRepo(CALENDAR, { 'policies/backup/db.yaml': BACKUP });
    const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'a calendar spelled .yml');
    const r = await cli(root, 'apply', '--due', '--dry-run');
    expect(r.out).toContain('db-01 waits: not converged: db says converge.maintenance_window, and no maintenance window in policies/calendar.yml applies to db-01');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });
});
