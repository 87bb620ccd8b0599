import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handoverCommand } from '../../scripts/commands/handover.ts';
import { incidentCommand } from '../../scripts/commands/incident.ts';
import { incidentsCommand } from '../../scripts/commands/incidents.ts';
import { newCommand } from '../../scripts/commands/new.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { runCommand, tempRepo } from '../incident/cli-harness.ts';
import { BERLIN_INCIDENT, BERLIN_ONCALL, orgFiles } from '../incident/org.ts';

/**
 * Every command that writes a time takes it in the calendar's zone, read one way (ARCHITECTURE.md, "The policy and
 * the calendar in either spelling lint reads"): however the calendar spells `timezone:` in YAML, in whichever file
 * spelling. A calendar that exists but gives no zone is refused, located; only a repository with no calendar at all
 * uses the one default, UTC.
 */
const calendar = (timezone: string) => `id: calendar\ntimezone: ${timezone}\nmaintenance_windows: []\n`;

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/** The organisation with `calendarFile` holding `calendarText` (no calendar when undefined), plus `extra`. */
async function repoWith(calendarText: string | undefined, extra: Record<string, string> = {}, calendarFile = 'policies/calendar.yaml'): Promise<string> {
  const files: Record<string, string> = { ...orgFiles(), 'policies/oncall.yaml': BERLIN_ONCALL, ...extra };
  delete files['policies/calendar.yaml'];
  if (calendarText !== undefined) files[calendarFile] = calendarText;
  const root = await tempRepo(files);
  roots.push(root);
  return root;
}

const ackIncident = (root: string, now = '2026-11-11T00:50:00+01:00') => runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice', '--at', '2026-11-11T00:15'], now);
const incidentText = (root: string, year = '2026', id = 'INC-2026-0001') => readFile(path.join(root, `incidents/${year}/${id}.yaml`), 'utf8');

describe("incident and handover ack read the calendar's zone as YAML, not as a line of text", () => {
  it.each([
    ['double quotes', '"Europe/Berlin"'],
    ['single quotes', "'Europe/Berlin'"],
    ['a trailing comment', 'Europe/Berlin   # CET/CEST'],
    ['quotes and a comment', '"Europe/Berlin" # CET'],
  ])('incident ack: timezone with %s is Europe/Berlin', async (_, value) => {
    const root = await repoWith(calendar(value), { 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT });
    const r = await ackIncident(root);
    expect(r.err).toBe('');
    expect(r.out).toContain('acknowledged at 2026-11-11T00:15:00+01:00 by alice');
    expect(await incidentText(root)).toContain('acknowledged_at: 2026-11-11T00:15:00+01:00');
  });

  it('incident ack: a quoted zone in policies/calendar.yml', async () => {
    const root = await repoWith(calendar('"Europe/Berlin"'), { 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT }, 'policies/calendar.yml');
    const r = await ackIncident(root);
    expect(r.err).toBe('');
    expect(r.out).toContain('acknowledged at 2026-11-11T00:15:00+01:00 by alice');
  });

  it.each([
    ['double quotes', '"Europe/Berlin"', 'policies/calendar.yaml'],
    ['single quotes', "'Europe/Berlin'", 'policies/calendar.yaml'],
    ['a trailing comment', 'Europe/Berlin # CET', 'policies/calendar.yaml'],
    ['double quotes, .yml', '"Europe/Berlin"', 'policies/calendar.yml'],
  ])('handover ack: timezone with %s is Europe/Berlin', async (_, value, file) => {
    const root = await repoWith(calendar(value), {}, file);
    const made = await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:40:00+01:00');
    expect(made.err).toBe('');
    const ack = await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'alice', '--at', '08:05'], '2026-11-11T08:10:00+01:00');
    expect(ack.err).toBe('');
    expect(ack.out).toContain('acknowledged by alice at 2026-11-11T08:05:00+01:00');
  });
});

describe('a calendar that exists but gives no zone is refused, located, and nothing is written', () => {
  const cases: [string, string, RegExp][] = [
    ['a zone that is not an IANA name', calendar('Europe/Berln'), /policies\/calendar\.yaml:2:\d+ .*calendar\.timezone-invalid.*Europe\/Berln/],
    ['a quoted zone that is not an IANA name', calendar('"Mars/Olympus"'), /policies\/calendar\.yaml:2:\d+ .*calendar\.timezone-invalid/],
    ['a zone that is not a string', calendar('[Europe/Berlin]'), /policies\/calendar\.yaml:2:\d+ .*calendar\.timezone-invalid/],
    ['no timezone', 'id: calendar\nmaintenance_windows: []\n', /policies\/calendar\.yaml:1:1 .*calendar\.timezone-missing/],
    ['text that is not YAML', 'id: calendar\ntimezone: "Europe/Berlin\nmaintenance_windows: [\n', /policies\/calendar\.yaml:\d+:\d+ .*yaml\./],
    ['an empty file', '', /policies\/calendar\.yaml:1:1 .*yaml\.empty/],
  ];

  it.each(cases)('incident ack: %s', async (_, text, located) => {
    const root = await repoWith(text, { 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT });
    const r = await ackIncident(root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(located);
    expect(r.err).toMatch(/time zone/);
    expect(await incidentText(root)).toBe(BERLIN_INCIDENT);
  });

  it.each(cases)('handover ack: %s', async (_, text, located) => {
    const root = await repoWith(calendar('Europe/Berlin'));
    expect((await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:40:00+01:00')).err).toBe('');
    const file = path.join(root, 'incidents/handovers/2026/HO-2026-11-11-0800.yaml');
    const before = await readFile(file, 'utf8');
    await writeFile(path.join(root, 'policies/calendar.yaml'), text);
    const ack = await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'alice'], '2026-11-11T08:05:00+01:00');
    expect(ack.code).toBe(2);
    expect(ack.err).toMatch(located);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it.each(cases)('new incident: %s', async (_, text, located) => {
    const root = await repoWith(text);
    const r = await runCommand(newCommand, root, ['incident', '--title', '支付中断', '--level', '1', '--reporter', 'alice'], '2026-11-11T00:50:00+01:00');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(located);
    expect(await readdir(path.join(root, 'incidents')).catch(() => [])).toEqual([]);
  });

  it('incident open --from-alertmanager: a zone that is not an IANA name opens nothing', async () => {
    const alerts = '\nalerts:\n  level_label: severity\n  levels: {critical: 1, major: 2, warning: 3}\n  default_level: 3\n';
    const root = await repoWith(calendar("'Asia/Shanghi'"), { 'policies/sla.yaml': orgFiles()['policies/sla.yaml']! + alerts });
    const hosts = path.join(root, 'inventory/hosts/db-01.yaml');
    await writeFile(hosts, (await readFile(hosts, 'utf8')).replace(/^address: .*$/m, 'address: 10.20.3.31'));
    const r = await runCommand(incidentCommand, root, ['open', '--from-alertmanager', path.join(repoRoot, 'test/fixtures/alertmanager/firing-db-01.json')], '2026-12-03T21:15:30+08:00');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/policies\/calendar\.yaml:2:\d+ .*calendar\.timezone-invalid.*Asia\/Shanghi/);
    expect(r.err).toContain('no incident was opened or updated');
    expect(await readdir(path.join(root, 'incidents')).catch(() => [])).toEqual([]);
  });

  it('incidents watch keeps watching with a zone luxon cannot use, in UTC, and says so', async () => {
    const root = await repoWith(calendar('Europe/Berln'));
    const r = await runCommand(incidentsCommand, root, ['watch', '--dry-run'], '2026-11-11T00:50:00+01:00');
    expect(r.code).toBe(0);
    expect(r.err).toContain("policies/calendar.yaml: timezone 'Europe/Berln' is not an IANA time zone; times are read and written in UTC");
  });

  it('a calendar that is a directory: located at the file, not read as no calendar', async () => {
    const root = await repoWith(undefined, { 'policies/calendar.yaml/README.md': 'not a calendar\n', 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT });
    const r = await ackIncident(root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/policies\/calendar\.yaml:1:1 .*calendar\.unreadable/);
    expect(await incidentText(root)).toBe(BERLIN_INCIDENT);
  });

  it.each(['policies/calendar.yaml', 'policies/calendar.yml'])('%s, a link to nothing: refused, not read as no calendar', async (file) => {
    const root = await repoWith(undefined, { 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT });
    await symlink('calendar-gone.yaml', path.join(root, file));
    const r = await ackIncident(root);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:1:1  calendar.unreadable`);
    expect(await incidentText(root)).toBe(BERLIN_INCIDENT);
  });

  it('new change: a calendar that does not load is refused, not read as a repository without windows', async () => {
    const root = await repoWith('id: calendar\ntimezone: Europe/Berlin\nmaintenance_windows: nightly\n');
    const r = await runCommand(newCommand, root, ['change', '--title', '扩容'], '2026-11-11T00:50:00+01:00');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/policies\/calendar\.yaml:3:\d+ /);
    expect(await readdir(path.join(root, 'changes')).catch(() => [])).toEqual([]);
  });
});

describe('new incident, incident and handover agree on the zone', () => {
  // 03:30 UTC on 1 January 2027 is still 2026 in New York: the year folder, the id and every timestamp follow the calendar.
  const NOW = '2027-01-01T03:30:00Z';

  it('near a year boundary, in a quoted non-default zone', async () => {
    const root = await repoWith(calendar('"America/New_York" # the office'));
    const made = await runCommand(newCommand, root, ['incident', '--title', '支付中断', '--level', '1', '--reporter', 'alice'], NOW);
    expect(made.err).toBe('');
    expect(made.out).toContain('wrote incidents/2026/INC-2026-0001.yaml');
    expect(await incidentText(root)).toContain('detected_at: 2026-12-31T22:30:00-05:00');
    const ack = await runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice'], NOW);
    expect(ack.err).toBe('');
    expect(await incidentText(root)).toContain('acknowledged_at: 2026-12-31T22:30:00-05:00');
    const analysed = await runCommand(incidentCommand, root, ['analyse', 'INC-2026-0001', '--by', 'alice', '--at', '22:40'], NOW);
    expect(analysed.err).toBe('');
    expect(await incidentText(root)).toContain('analysed_at: 2026-12-31T22:40:00-05:00');
  });

  it('handover new and ack: the same zone, quoted', async () => {
    const root = await repoWith(calendar("'America/New_York'"), {
      'policies/oncall.yaml': BERLIN_ONCALL.replaceAll('+01:00', '-05:00'),
    });
    const made = await runCommand(handoverCommand, root, ['new'], '2026-12-31T13:10:00Z');
    expect(made.err).toBe('');
    expect(made.out).toContain('incidents/handovers/2026/HO-2026-12-31-0800.yaml');
    const ack = await runCommand(handoverCommand, root, ['ack', 'HO-2026-12-31-0800', '--by', 'alice'], '2026-12-31T13:15:00Z');
    expect(ack.err).toBe('');
    expect(ack.out).toContain('acknowledged by alice at 2026-12-31T08:15:00-05:00');
  });

  it('no calendar at all: every command uses the one default, UTC', async () => {
    const root = await repoWith(undefined);
    const made = await runCommand(newCommand, root, ['incident', '--title', '支付中断', '--level', '1', '--reporter', 'alice'], NOW);
    expect(made.err).toBe('');
    expect(made.out).toContain('wrote incidents/2027/INC-2027-0001.yaml');
    expect(await incidentText(root, '2027', 'INC-2027-0001')).toContain('detected_at: 2027-01-01T03:30:00Z');
    const ack = await runCommand(incidentCommand, root, ['ack', 'INC-2027-0001', '--by', 'alice'], NOW);
    expect(ack.err).toBe('');
    expect(await incidentText(root, '2027', 'INC-2027-0001')).toContain('acknowledged_at: 2027-01-01T03:30:00Z');
  });

  it('no calendar at all: handover new and ack in UTC', async () => {
    const root = await repoWith(undefined, { 'policies/oncall.yaml': BERLIN_ONCALL.replaceAll('+01:00', 'Z') });
    const made = await runCommand(handoverCommand, root, ['new'], '2026-12-31T08:10:00Z');
    expect(made.err).toBe('');
    expect(made.out).toContain('incidents/handovers/2026/HO-2026-12-31-0800.yaml');
    const ack = await runCommand(handoverCommand, root, ['ack', 'HO-2026-12-31-0800', '--by', 'alice', '--at', '08:15'], '2026-12-31T08:20:00Z');
    expect(ack.err).toBe('');
    expect(ack.out).toContain('acknowledged by alice at 2026-12-31T08:15:00Z');
  });
});
