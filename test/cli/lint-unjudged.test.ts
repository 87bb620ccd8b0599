/**
 * A calendar whose time zone cannot be told makes lint skip the rules that compute with the zone (changes, access,
 * incidents, ...; scripts/rules/calendar-zone.ts). That must never let a pull request through unjudged: when the
 * base branch already has such a calendar, its `calendar.timezone-invalid` is "already there" and `--changed-since`
 * would drop it, and a new change would then pass lint with its own rules never run. So lint says which rules did
 * not run (`lint.rules-not-run`, an error), and every pull request is answerable for it, wherever it was introduced.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIn, lintJson, prRepo } from '../helpers/pr-repo.ts';
import { calendar, change, group, host, person } from '../rules/fixture-docs.ts';

const lint = (dir: string, ...args: string[]) => lintJson(dir, args, '2026-12-01T12:00:00+08:00');

let root: string;
const git = (...a: string[]) => gitIn(root, ...a);

beforeAll(async () => {
  root = await prRepo(
    'og-lint-unjudged-',
    {
      'inventory/groups/web.yaml': group('web'),
      'inventory/hosts/web-01.yaml': host('web-01', { env: 'staging' }),
      'policies/access/people/alice.yaml': person('alice'),
      'policies/access/people/bob.yaml': person('bob'),
      'policies/calendar.yaml': calendar.replace('timezone: Asia/Shanghai', 'timezone: Asia/Shanghi'),
      'changes/2026/CHG-2026-0001.yaml': change({ risk: 'low' }),
    },
    'base, with a calendar zone that is no IANA zone',
  );
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('lint when the calendar gives no time zone', () => {
  it('says which rules did not run, located at the calendar, as an error', async () => {
    const r = await lint(root);
    expect(r.code).toBe(1);
    const notRun = r.findings.filter((d) => d.code === 'lint.rules-not-run');
    expect(notRun).toHaveLength(1);
    expect(notRun[0]!.file).toBe('policies/calendar.yaml');
    expect(notRun[0]!.message).toMatch(/changes/);
    expect(r.findings.map((d) => d.code)).toContain('calendar.timezone-invalid');
  }, 60_000);

  it('a pull request that adds a change is answerable for the rules that did not run, though the calendar was broken before it', async () => {
    await writeFile(path.join(root, 'changes/2026/CHG-2026-0002.yaml'), change({ id: 'CHG-2026-0002', risk: 'low' }));
    await git('add', '.');
    await git('commit', '-qm', 'a new change');
    const r = await lint(root, '--changed-since', 'main');
    expect(r.findings.map((d) => d.code)).toContain('lint.rules-not-run');
    expect(r.code).toBe(1);
  }, 60_000);

  it('once the calendar has an IANA zone, the rules run again and nothing says they did not', async () => {
    await writeFile(path.join(root, 'policies/calendar.yaml'), calendar);
    const r = await lint(root);
    expect(r.findings.map((d) => d.code)).not.toContain('lint.rules-not-run');
    expect(r.findings.map((d) => d.code)).not.toContain('calendar.timezone-invalid');
  }, 60_000);
});
