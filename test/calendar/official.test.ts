import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOfficialSchedule } from '../../scripts/calendar/official-source.ts';
import { parseOfficialSchedule } from '../../scripts/calendar/official.ts';
import { syncCalendarText } from '../../scripts/calendar/sync.ts';
import { checkOfficialCalendar } from '../../scripts/rules/calendar-official.ts';
import { repoFromFiles, repoRoot } from '../helpers/repo-from-files.ts';
import { change } from '../rules/fixture-docs.ts';

const official = loadOfficialSchedule();
const NOW = new Date('2026-11-30T00:00:00+08:00');

/** The 2026 schedule as the installed chinese-days has it, written out by hand as a reader checks it against the State Council's notice. */
const HOLIDAYS_2026 = [
  ['2026-01-01', '元旦'],
  ['2026-01-02', '元旦'],
  ['2026-01-03', '元旦'],
  ...['15', '16', '17', '18', '19', '20', '21', '22', '23'].map((d) => [`2026-02-${d}`, '春节']),
  ['2026-04-04', '清明节'],
  ['2026-04-05', '清明节'],
  ['2026-04-06', '清明节'],
  ...['01', '02', '03', '04', '05'].map((d) => [`2026-05-${d}`, '劳动节']),
  ['2026-06-19', '端午节'],
  ['2026-06-20', '端午节'],
  ['2026-06-21', '端午节'],
  ['2026-09-25', '中秋节'],
  ['2026-09-26', '中秋节'],
  ['2026-09-27', '中秋节'],
  ...['01', '02', '03', '04', '05', '06', '07'].map((d) => [`2026-10-${d}`, '国庆节']),
];
const WORKDAYS_2026 = [
  ['2026-01-04', '元旦'],
  ['2026-02-14', '春节'],
  ['2026-02-28', '春节'],
  ['2026-05-09', '劳动节'],
  ['2026-09-20', '国庆节'],
  ['2026-10-10', '国庆节'],
];

function calendarYaml(opts: { dropWorkday?: string; dropHoliday?: string; extraHoliday?: string; deviations?: string; year2027?: boolean } = {}): string {
  const hol = HOLIDAYS_2026.filter(([d]) => d !== opts.dropHoliday).map(([d, n]) => `  - {date: ${d}, name: ${n}}`);
  if (opts.extraHoliday) hol.push(`  - {date: ${opts.extraHoliday}, name: 公司司庆}`);
  if (opts.year2027) hol.push('  - {date: 2027-02-06, name: 春节}', '  - {date: 2027-02-07, name: 春节}');
  const work = WORKDAYS_2026.filter(([d]) => d !== opts.dropWorkday).map(([d, n]) => `  - {date: ${d}, name: ${n}调休上班}`);
  if (opts.year2027) work.push('  - {date: 2027-02-20, name: 春节调休上班}');
  return `# the sample's own comment
id: calendar
timezone: Asia/Shanghai
maintenance_windows:
  - {id: night, title: night, days: [tue, thu], start: "22:00", end: "02:00", workdays_only: true}
holidays:
${hol.join('\n')}
makeup_workdays: # 调休
${work.join('\n')}
${opts.deviations ?? ''}`;
}

async function check(text: string, extra: Record<string, string> = {}) {
  const repo = await repoFromFiles({ 'policies/calendar.yaml': text, ...extra });
  expect(repo.diagnostics).toEqual([]);
  return checkOfficialCalendar({ repo, now: NOW, existingFiles: new Set(), official });
}

describe('the installed official schedule', () => {
  it('is pinned to an exact version, whose years decide what lint checks', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['chinese-days']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(official.source).toBe(`chinese-days@${pkg.dependencies['chinese-days']}`);
    expect(official.years.has(2026)).toBe(true);
    expect(official.years.has(2027)).toBe(false);
  });

  it('has 2026-02-14 as a Spring Festival make-up workday, and the 2026 holidays as written above', () => {
    expect(official.workdays.get('2026-02-14')).toMatchObject({ name: '春节', nameEn: 'Spring Festival' });
    expect([...official.holidays.values()].filter((d) => d.date.startsWith('2026-')).map((d) => [d.date, d.name])).toEqual(HOLIDAYS_2026);
    expect([...official.workdays.values()].filter((d) => d.date.startsWith('2026-')).map((d) => [d.date, d.name])).toEqual(WORKDAYS_2026);
  });

  it('a year is known only when the data has holidays for it', () => {
    const s = parseOfficialSchedule({ holidays: { '2030-01-01': "New Year's Day,元旦,1", bogus: 'x' }, workdays: { '2031-01-04': "New Year's Day,元旦,1" } }, 'test');
    expect([...s.years]).toEqual([2030]);
  });
});

describe('lint against the official schedule', () => {
  it('a calendar that has every official 2026 day is clean', async () => {
    expect(await check(calendarYaml())).toEqual([]);
  });

  it('a missing official make-up workday is calendar.workday-missing with its date and name, at makeup_workdays', async () => {
    const text = calendarYaml({ dropWorkday: '2026-02-14' });
    const ds = await check(text);
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['calendar.workday-missing', 'error']]);
    expect(ds[0]!.message).toContain('2026-02-14');
    expect(ds[0]!.message).toContain('春节调休上班');
    expect(ds[0]!.line).toBe(text.split('\n').findIndex((l) => l.startsWith('makeup_workdays:')) + 2); // the list's first entry
  });

  it('a missing official holiday is calendar.holiday-missing with its date and name', async () => {
    const ds = await check(calendarYaml({ dropHoliday: '2026-10-03' }));
    expect(ds.map((d) => d.code)).toEqual(['calendar.holiday-missing']);
    expect(ds[0]!.message).toMatch(/2026-10-03 国庆节 \(National Day\)/);
  });

  it('an organisation outside mainland China keeps its own holidays: no official day is asked of it', async () => {
    const berlin = 'id: calendar\ntimezone: Europe/Berlin\nmaintenance_windows:\n  - {id: night, title: night, days: [tue, thu], start: "22:00", end: "02:00", workdays_only: true}\nholidays: []\n';
    const open2026 = { 'changes/2026/CHG-2026-0001.yaml': change({ risk: 'low' }) };
    expect(await check(berlin, open2026)).toEqual([]);
    // The same empty calendar in China's zone is asked for every official day.
    expect((await check(berlin.replace('Europe/Berlin', 'Asia/Shanghai'), open2026)).length).toBeGreaterThan(30);
  });

  it('a declared local deviation (with its reason) may differ, both ways', async () => {
    const deviations = `deviations:
  - {date: 2026-02-14, reason: 春节值守按假日排班，全员放假，由总经理批准}
  - {date: 2026-12-31, reason: 公司司庆日，全员放假（总经理办公会决定）}
`;
    expect(await check(calendarYaml({ dropWorkday: '2026-02-14', extraHoliday: '2026-12-31', deviations }))).toEqual([]);
    // Without the declarations, both differences are errors.
    const undeclared = await check(calendarYaml({ dropWorkday: '2026-02-14', extraHoliday: '2026-12-31' }));
    expect(undeclared.map((d) => d.code).sort()).toEqual(['calendar.holiday-unofficial', 'calendar.workday-missing']);
  });

  it('a deviation on a day that does not deviate is a warning', async () => {
    const ds = await check(calendarYaml({ deviations: 'deviations:\n  - {date: 2026-10-01, reason: 国庆节照常放假，无需声明}\n' }));
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['calendar.deviation-unused', 'warning']]);
  });

  it('a year the installed schedule does not know is a notice, and its days are not judged', async () => {
    const ds = await check(calendarYaml({ year2027: true }));
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['calendar.year-unknown', 'notice']]);
    expect(ds[0]!.message).toContain('2027');
  });

  it('an open change brings its year in: a 2025 window against a calendar without 2025 days', async () => {
    const ds = await check(calendarYaml(), { 'changes/2025/CHG-2025-0001.yaml': change({ id: 'CHG-2025-0001', start: '2025-12-02T22:30:00+08:00', end: '2025-12-02T23:30:00+08:00' }) });
    expect(ds.filter((d) => d.code === 'calendar.holiday-missing').map((d) => d.message.slice(0, 10))).toContain('2025-10-01');
    expect(ds.filter((d) => d.code === 'calendar.workday-missing').length).toBeGreaterThan(0);
  });

  it('the sample calendar agrees with the official schedule; its 2027 days get the notice', async () => {
    const text = await readFile(path.join(repoRoot, 'policies/calendar.yaml'), 'utf8');
    const ds = await check(text);
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['calendar.year-unknown', 'notice']]);
  });
});

describe('calendar sync', () => {
  it('adds the missing official days in date order, in the style around them, keeping comments; a second run changes nothing', () => {
    const before = calendarYaml({ dropWorkday: '2026-02-14', dropHoliday: '2026-06-20' });
    const r = syncCalendarText(before, official, 2026, 'policies/calendar.yaml');
    expect(r.added).toEqual([
      { list: 'holidays', date: '2026-06-20', name: '端午节' },
      { list: 'makeup_workdays', date: '2026-02-14', name: '春节调休上班' },
    ]);
    expect(r.text).toBe(calendarYaml());
    expect(r.text).toContain("# the sample's own comment");
    expect(syncCalendarText(r.text, official, 2026, 'policies/calendar.yaml').added).toEqual([]);
  });

  it('writes block entries into a block list, creates a missing list, and leaves declared deviations alone', () => {
    const text = `id: calendar # keep me
timezone: Asia/Shanghai
maintenance_windows: []
holidays:
  - date: 2026-01-01
    name: 元旦
deviations:
  - {date: 2026-02-14, reason: 春节值守按假日排班，全员放假}
`;
    const r = syncCalendarText(text, official, 2026, 'policies/calendar.yaml');
    expect(r.text).toContain('id: calendar # keep me');
    expect(r.text).toContain('  - date: 2026-01-02\n    name: 元旦\n');
    expect(r.text).toContain('makeup_workdays:\n  - {date: 2026-01-04, name: 元旦调休上班}');
    expect(r.added.map((a) => a.date)).not.toContain('2026-02-14');
  });

  it('names undeclared unofficial days, never removes them, and guesses nothing for an unknown year', () => {
    const text = calendarYaml({ extraHoliday: '2026-12-31' });
    const r = syncCalendarText(text, official, 2026, 'policies/calendar.yaml');
    expect(r.unofficial).toEqual([{ list: 'holidays', date: '2026-12-31', name: '公司司庆' }]);
    expect(r.text).toBe(text);
    const unknown = syncCalendarText(text, official, 2027, 'policies/calendar.yaml');
    expect(unknown).toMatchObject({ unknownYear: true, added: [], text });
  });
});

describe('opsgate calendar sync (CLI)', () => {
  const roots: string[] = [];
  afterAll(async () => {
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });

  it('syncs a year into the repository and lint is then clean; an unknown year is a notice and writes nothing', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-calendar-sync-'));
    roots.push(root);
    await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
    await cp(path.join(repoRoot, 'policies/calendar.yaml'), path.join(root, 'policies/calendar.yaml'));
    const file = path.join(root, 'policies/calendar.yaml');
    const stripped = (await readFile(file, 'utf8'))
      .split('\n')
      .filter((l) => !/date: 2026-0[1-6]/.test(l))
      .join('\n');
    await writeFile(file, stripped);
    const bin = path.join(repoRoot, 'scripts/bin/opsgate.mjs');
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [bin, '--root', root, ...args], { env: { ...process.env, GITHUB_ACTIONS: '' }, timeout: 120_000 }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    const dirty = await run('lint', '--format', 'json');
    expect(dirty.code).toBe(1);
    expect((JSON.parse(dirty.out) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toContain('calendar.workday-missing');

    const sync = await run('calendar', 'sync', '--year', '2026');
    expect(sync.code).toBe(0);
    expect(sync.out).toContain('added  makeup_workdays  2026-02-14  春节调休上班');
    expect(await readFile(file, 'utf8')).toBe(await readFile(path.join(repoRoot, 'policies/calendar.yaml'), 'utf8'));
    const clean = await run('lint', '--format', 'json');
    expect(clean.code).toBe(0);

    const unknown = await run('calendar', 'sync', '--year', '2027');
    expect(unknown).toMatchObject({ code: 0 });
    expect(unknown.out).toMatch(/^notice: .*2027/);
    expect(await readFile(file, 'utf8')).toBe(await readFile(path.join(repoRoot, 'policies/calendar.yaml'), 'utf8'));
  }, 240_000);
});
