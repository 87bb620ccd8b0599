import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLine, renderIcs, text } from '../../scripts/calendar/ics.ts';
import { vtimezone, zoneTransitions } from '../../scripts/calendar/vtimezone.ts';
import { calendarCommand } from '../../scripts/commands/calendar.ts';
import { UsageError } from '../../scripts/model/errors.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { windowOccurrences } from '../../scripts/rules/calendar.ts';
import { dutySlots } from '../../scripts/rules/oncall.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { capture, discard } from '../helpers/capture.ts';

interface Parsed {
  uid: string;
  summary: string;
  description: string;
  tzid: string | undefined;
  recurring: boolean;
  props: Record<string, string>;
  /** Occurrence starts and ends (epoch ms) inside [from, to), exceptions applied by the parser. */
  occurrences: { start: number; end: number }[];
}

/** Reads a calendar back with ical.js: its own VTIMEZONEs registered, every event expanded. */
function parseIcs(content: string, fromMs: number, toMs: number): Parsed[] {
  const comp = new ICAL.Component(ICAL.parse(content));
  for (const tz of comp.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  return comp.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    const len = e.endDate.toUnixTime() - e.startDate.toUnixTime();
    const occurrences: { start: number; end: number }[] = [];
    const it = e.iterator();
    for (let n = it.next(); n; n = it.next()) {
      const start = n.toUnixTime() * 1000;
      if (start >= toMs) break;
      if (start >= fromMs) occurrences.push({ start, end: e.isRecurring() ? e.getOccurrenceDetails(n).endDate.toUnixTime() * 1000 : start + len * 1000 });
    }
    const props = Object.fromEntries(
      v
        .getAllProperties()
        .filter((p) => p.name.startsWith('x-'))
        .map((p) => [p.name, String(p.getFirstValue())]),
    );
    return { uid: e.uid, summary: e.summary, description: e.description, tzid: (e.startDate.zone as { tzid?: string } | undefined)?.tzid, recurring: e.isRecurring(), props, occurrences };
  });
}

async function exportAt(root: string, out: string, now: string): Promise<{ code: number; stdout: string }> {
  const sink = capture();
  const code = await calendarCommand({ argv: ['export', '--ics', '--out', out], root, env: {}, stdout: sink.stream, stderr: sink.stream, now: () => new Date(now), debug: false });
  return { code, stdout: sink.text() };
}

describe('the iCalendar writer', () => {
  it('folds at 75 octets with CRLF, never inside a UTF-8 character, and unfolds to the same line', () => {
    const line = `SUMMARY:${'维护窗口 Maintenance window: 生产环境夜间维护窗口（周二、周四 22:00–次日 02:00，仅工作日）'.repeat(3)}`;
    const folded = foldLine(line);
    for (const physical of folded.split('\r\n')) expect(Buffer.byteLength(physical, 'utf8')).toBeLessThanOrEqual(75);
    expect(folded).not.toContain('\uFFFD');
    expect(folded.replace(/\r\n /g, '')).toBe(line);
  });

  it('a summary and description with every character TEXT must escape read back identically', () => {
    const summary = 'CHG-2026-0103 [high · approved] 升级 MySQL; a,b \\ back\\slash';
    const description = 'line one\nline two; with, commas\n第三行：中文说明，含标点；结束\\';
    const content = renderIcs({
      type: 'VCALENDAR',
      props: [
        { name: 'VERSION', value: '2.0' },
        { name: 'PRODID', value: '-//test//EN' },
      ],
      components: [
        vtimezone('Asia/Shanghai', Date.parse('2026-01-01T00:00:00+08:00'), Date.parse('2027-01-01T00:00:00+08:00')),
        {
          type: 'VEVENT',
          props: [
            { name: 'UID', value: 'x@test' },
            { name: 'DTSTAMP', value: '20261130T000000Z' },
            { name: 'DTSTART', params: { TZID: 'Asia/Shanghai' }, value: '20261201T220000' },
            { name: 'DTEND', params: { TZID: 'Asia/Shanghai' }, value: '20261202T020000' },
            { name: 'SUMMARY', value: text(summary) },
            { name: 'DESCRIPTION', value: text(description) },
          ],
        },
      ],
    });
    expect(content.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    expect(content.endsWith('\r\n')).toBe(true);
    const [e] = parseIcs(content, 0, Date.parse('2030-01-01T00:00:00Z'));
    expect(e).toMatchObject({ summary, description, tzid: 'Asia/Shanghai' });
    expect(e!.occurrences).toEqual([{ start: Date.parse('2026-12-01T22:00:00+08:00'), end: Date.parse('2026-12-02T02:00:00+08:00') }]);
  });

  it('a zone with daylight saving gets one observance per transition, and a parser places times on both sides correctly', () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2027-01-01T00:00:00Z');
    expect(zoneTransitions('Europe/Berlin', from, to)).toEqual([Date.parse('2026-03-29T01:00:00Z'), Date.parse('2026-10-25T01:00:00Z')]);
    expect(zoneTransitions('Asia/Shanghai', from, to)).toEqual([]);
    const content = renderIcs({
      type: 'VCALENDAR',
      props: [
        { name: 'VERSION', value: '2.0' },
        { name: 'PRODID', value: '-//test//EN' },
      ],
      components: [
        vtimezone('Europe/Berlin', from, to),
        {
          type: 'VEVENT',
          props: [
            { name: 'UID', value: 'w@test' },
            { name: 'DTSTAMP', value: '20261130T000000Z' },
            { name: 'DTSTART', params: { TZID: 'Europe/Berlin' }, value: '20260324T220000' },
            { name: 'DTEND', params: { TZID: 'Europe/Berlin' }, value: '20260324T230000' },
            { name: 'RRULE', value: 'FREQ=WEEKLY;BYDAY=TU' },
            { name: 'SUMMARY', value: 'w' },
          ],
        },
      ],
    });
    const [e] = parseIcs(content, from, Date.parse('2026-04-01T00:00:00Z'));
    expect(e!.occurrences.map((o) => new Date(o.start).toISOString())).toEqual(['2026-03-24T21:00:00.000Z', '2026-03-31T20:00:00.000Z']);
  });
});

describe('opsgate calendar export --ics on the sample organisation', () => {
  let out1: string;
  let out2: string;
  let files: string[];
  let repo: Awaited<ReturnType<typeof readRepo>>;
  const read = (dir: string, f: string) => readFile(path.join(dir, f), 'utf8');

  beforeAll(async () => {
    out1 = await mkdtemp(path.join(os.tmpdir(), 'og-ics-'));
    out2 = await mkdtemp(path.join(os.tmpdir(), 'og-ics-'));
    expect((await exportAt(repoRoot, out1, '2026-11-30T09:00:00+08:00')).code).toBe(0);
    expect((await exportAt(repoRoot, out2, '2026-12-07T18:30:00+08:00')).code).toBe(0);
    files = (await readdir(out1)).sort();
    repo = await readRepo(repoRoot);
  });
  afterAll(async () => {
    await rm(out1, { recursive: true, force: true });
    await rm(out2, { recursive: true, force: true });
  });

  it('asks for the format and refuses an impossible horizon (usage, exit 2)', async () => {
    const sink = discard();
    const ctx = (argv: string[]) => ({ argv, root: repoRoot, env: {}, stdout: sink, stderr: sink, now: () => new Date('2026-11-30T00:00:00Z'), debug: false });
    await expect(calendarCommand(ctx(['export', '--out', out1]))).rejects.toBeInstanceOf(UsageError);
    await expect(calendarCommand(ctx(['export', '--ics', '--out', out1, '--from', '2027-01-01', '--until', '2026-01-01']))).rejects.toBeInstanceOf(UsageError);
    await expect(calendarCommand(ctx(['export', '--ics', '--out', out1, '--from', 'tomorrow']))).rejects.toBeInstanceOf(UsageError);
  });

  it('writes the maintenance, change and team calendars and one per person on duty', async () => {
    const members = new Set(repo.one('oncall')!.data.rotations.flatMap((r) => r.members));
    expect(files).toEqual(['changes.ics', 'maintenance.ics', 'oncall-team.ics', ...[...members].sort().map((m) => `oncall-${m}.ics`)].sort());
    for (const f of files) {
      const content = await read(out1, f);
      expect(content.split('\r\n').every((l) => Buffer.byteLength(l, 'utf8') <= 75)).toBe(true);
      expect(content.replace(/\r\n/g, '')).not.toContain('\n');
      expect(content).toContain('BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n');
    }
  });

  it('keeps every UID across runs at different times, so subscriptions update in place; only DTSTAMP moves', async () => {
    for (const f of files) {
      const a = await read(out1, f);
      const b = await read(out2, f);
      const uids = (s: string) => [...s.matchAll(/^UID:(.*)$/gm)].map((m) => m[1]).sort();
      expect(uids(a).length).toBeGreaterThan(0);
      expect(new Set(uids(a)).size).toBe(uids(a).length);
      expect(uids(b)).toEqual(uids(a));
      expect(b.replace(/^DTSTAMP:.*$/gm, '')).toBe(a.replace(/^DTSTAMP:.*$/gm, ''));
    }
  });

  it('each maintenance window is one weekly recurring event whose expansion is exactly the windows lint and apply use (holidays out, 调休 in)', async () => {
    const cal = repo.one('calendar')!.data;
    const from = Date.parse('2026-01-01T00:00:00+08:00');
    const to = Date.parse('2028-01-01T00:00:00+08:00');
    const events = parseIcs(await read(out1, 'maintenance.ics'), from, to);
    for (const w of cal.maintenance_windows) {
      const e = events.find((x) => x.uid.startsWith(`window-${w.id}@`))!;
      expect(e.recurring).toBe(true);
      expect(e.tzid).toBe('Asia/Shanghai');
      const expected = windowOccurrences(w, cal, from, to)
        .filter((o) => o.start >= from && o.start < to)
        .map((o) => ({ start: o.start, end: o.end }));
      expect(e.occurrences).toEqual(expected);
    }
    const prod = events.find((x) => x.uid.startsWith('window-prod-weeknight@'))!;
    const starts = new Set(prod.occurrences.map((o) => o.start));
    expect(starts.has(Date.parse('2026-10-01T22:00:00+08:00'))).toBe(false); // 国庆节, a Thursday
    expect(starts.has(Date.parse('2026-10-08T22:00:00+08:00'))).toBe(true);
    const freeze = events.find((x) => x.uid.startsWith('freeze-spring-festival-2027@'))!;
    expect(freeze.occurrences).toEqual([{ start: Date.parse('2027-02-03T00:00:00+08:00'), end: Date.parse('2027-02-17T23:59:59+08:00') }]);
    expect(events.find((x) => x.uid.startsWith('workday-2026-02-14@'))?.summary).toContain('春节调休上班');
  });

  it('the team duty calendar expands to exactly the rota lint checks, overrides included; each person gets their own', async () => {
    const oncall = repo.one('oncall')!.data;
    const from = Date.parse('2026-11-02T08:00:00+08:00');
    const to = Date.parse('2027-03-01T00:00:00+08:00');
    const team = parseIcs(await read(out1, 'oncall-team.ics'), from, to);
    expect(team.filter((e) => e.recurring).length).toBe(oncall.rotations.reduce((n, r) => n + r.members.length, 0));
    const got = team
      .flatMap((e) => e.occurrences.map((o) => `${e.props['x-opsgate-rotation']} ${e.props['x-opsgate-person']} ${new Date(o.start).toISOString()} ${new Date(o.end).toISOString()}`))
      .sort();
    const want = dutySlots(oncall, from, to, 'Asia/Shanghai')
      .filter((s) => s.start >= from && s.start < to)
      .map((s) => `${s.rotation} ${s.person} ${new Date(s.start).toISOString()} ${new Date(s.end).toISOString()}`)
      .sort();
    expect(got).toEqual(want);
    const o = oncall.overrides![0]!;
    const override = team.find((e) => e.summary.includes('override'))!;
    expect(override.occurrences).toEqual([{ start: Date.parse(o.start), end: Date.parse(o.end) }]);
    expect(override.description).toContain(o.reason);
    const liNa = parseIcs(await read(out1, 'oncall-li-na.ics'), from, to);
    expect(liNa.flatMap((e) => e.occurrences.map((x) => x.start)).sort()).toEqual(
      dutySlots(oncall, from, to, 'Asia/Shanghai')
        .filter((s) => s.person === 'li-na' && s.start >= from && s.start < to)
        .map((s) => s.start)
        .sort(),
    );
    expect(liNa.flatMap((e) => e.occurrences).some((x) => x.start === Date.parse(o.start))).toBe(false); // 李娜's turn went to 赵敏
  });

  it('the change calendar has every change window with its risk and approval state', async () => {
    const events = parseIcs(await read(out1, 'changes.ics'), 0, Date.parse('2030-01-01T00:00:00Z'));
    for (const c of repo.all('change')) {
      const e = events.find((x) => x.uid.startsWith(`change-${c.id}@`))!;
      expect(e.occurrences).toEqual([{ start: Date.parse(c.data.window.start), end: Date.parse(c.data.window.end) }]);
      expect(e.summary).toContain(c.data.risk);
      expect(e.props['x-opsgate-risk']).toBe(c.data.risk);
      expect(['approved', 'pending', 'rejected', 'no decision']).toContain(e.props['x-opsgate-approval']);
    }
    const executed = events.find((x) => x.uid.startsWith('change-CHG-2026-0105@'))!;
    expect(executed.props['x-opsgate-approval']).toBe('approved');
    expect(executed.description).toMatch(/records\/gate\/.*pr-41\.jsonl:\d+/);
  });
});
