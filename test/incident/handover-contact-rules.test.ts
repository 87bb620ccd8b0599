import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { orgFiles, vendor } from './org.ts';

const oncall = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00, lookback_hours: 26, acknowledge_within_minutes: 30}
`;
const ho = (id: string, boundary: string, outgoing: string, incoming: string, extra = '') => `id: ${id}
rotation: primary
boundary: ${boundary}
outgoing: ${outgoing}
incoming: ${incoming}
handed_over_at: ${boundary}
open_incidents: []
upcoming_changes: []
failing_checks: []
${extra}`;
const ack = (by: string, at: string) => `acknowledgement: {by: ${by}, at: ${at}}\n`;

async function lint(files: Record<string, string>, now: string) {
  const repo = await repoFromFiles({ ...orgFiles(), 'policies/oncall.yaml': oncall, ...files });
  expect(repo.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return lintRepo({ repo, now: new Date(now), existingFiles: new Set() }).filter((d) => d.code.startsWith('handover.') || d.code.startsWith('contact.'));
}

describe('shift handover (交接班)', () => {
  const ok = (day: string, hm: string, out: string, inc: string) => ({
    [`incidents/handovers/2026/HO-2026-11-${day}-${hm}.yaml`]: ho(
      `HO-2026-11-${day}-${hm}`,
      `2026-11-${day}T${hm.slice(0, 2)}:${hm.slice(2)}:00+08:00`,
      out,
      inc,
      ack(inc, `2026-11-${day}T${hm.slice(0, 2)}:10:00+08:00`),
    ),
  });
  it('every boundary in the look-back has an acknowledged handover: clean', async () => {
    const files = { ...ok('03', '0800', 'bob', 'alice'), ...ok('03', '2000', 'alice', 'bob'), ...ok('04', '0800', 'bob', 'alice') };
    expect(await lint(files, '2026-11-04T09:00:00+08:00')).toEqual([]);
  });

  it('a missing handover inside the look-back is reported against the policy, with the file to write', async () => {
    const ds = await lint({ ...ok('03', '0800', 'bob', 'alice'), ...ok('04', '0800', 'bob', 'alice') }, '2026-11-04T09:00:00+08:00');
    expect(ds.map((d) => [d.severity, d.code, d.file, d.pointer])).toEqual([['warning', 'handover.missing', 'policies/oncall.yaml', '/handover']]);
    expect(ds[0]!.message).toContain('alice → bob');
    expect(ds[0]!.hint).toContain('incidents/handovers/2026/HO-2026-11-03-2000.yaml');
  });

  it('boundaries older than the look-back, before `since`, or inside the acknowledgement grace are not reported', async () => {
    expect(await lint({}, '2026-11-01T20:20:00+08:00')).toEqual([]);
    expect((await lint({}, '2026-11-10T09:00:00+08:00')).length).toBe(3);
  });

  it.each([
    ['unacknowledged after the grace', ho('HO-2026-11-03-0800', '2026-11-03T08:00:00+08:00', 'bob', 'alice'), 'handover.unacknowledged', '/incoming', 'error'],
    [
      'acknowledged by someone else',
      ho('HO-2026-11-03-0800', '2026-11-03T08:00:00+08:00', 'bob', 'alice', ack('bob', '2026-11-03T08:05:00+08:00')),
      'handover.acknowledged-by-other',
      '/acknowledgement/by',
      'error',
    ],
    ['acknowledged late', ho('HO-2026-11-03-0800', '2026-11-03T08:00:00+08:00', 'bob', 'alice', ack('alice', '2026-11-03T09:05:00+08:00')), 'handover.ack-late', '/acknowledgement/at', 'warning'],
    ['the wrong people', ho('HO-2026-11-03-0800', '2026-11-03T08:00:00+08:00', 'alice', 'carol', ack('carol', '2026-11-03T08:05:00+08:00')), 'handover.wrong-person', '/outgoing', 'warning'],
    ['not a boundary', ho('HO-2026-11-03-0800', '2026-11-03T09:00:00+08:00', 'bob', 'alice', ack('alice', '2026-11-03T09:05:00+08:00')), 'handover.not-a-boundary', '/boundary', 'error'],
  ])('%s → %s', async (_n, text, code, pointer, severity) => {
    const ds = (await lint({ 'incidents/handovers/2026/HO-2026-11-03-0800.yaml': text }, '2026-11-03T12:00:00+08:00')).filter((d) => d.file.startsWith('incidents/handovers/'));
    expect(ds.map((d) => d.code)).toContain(code);
    expect(ds.find((d) => d.code === code)).toMatchObject({ pointer, severity });
  });

  it('an incident open at the boundary must be listed', async () => {
    const inc =
      'id: INC-2026-0009\ntitle: t\nlevel: 4\nstatus: open\nreporter: alice\nhandler: alice\ndetected_at: 2026-11-03T07:00:00+08:00\nreported_at: 2026-11-03T07:00:00+08:00\nacknowledged_at: 2026-11-03T07:10:00+08:00\nsummary: s\npostmortem: {status: not_required}\nescalations:\n  - {at: 2026-11-03T07:20:00+08:00, by: alice, role: supervisor, to: [bob], channel: phone}\n';
    const ds = (await lint({ 'incidents/2026/INC-2026-0009.yaml': inc, ...ok('03', '0800', 'bob', 'alice') }, '2026-11-03T09:00:00+08:00')).filter((d) => d.file.startsWith('incidents/handovers/'));
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([['handover.incomplete', '/open_incidents']]);
    expect(ds[0]!.message).toContain('INC-2026-0009');
  });
});

describe('vendors and contacts register', () => {
  it.each([
    ['2027-06-30', []],
    ['2026-12-20', [['warning', 'contact.contract-expiring']]],
    ['2026-11-01', [['error', 'contact.contract-expired']]],
  ])('contract expiring %s', async (expires, expected) => {
    const ds = (await lint({ 'policies/contacts/db-vendor.yaml': vendor(expires) }, '2026-11-27T10:00:00+08:00')).filter((d) => d.code.startsWith('contact.'));
    expect(ds.map((d) => [d.severity, d.code])).toEqual(expected);
    for (const d of ds) expect(d).toMatchObject({ file: 'policies/contacts/db-vendor.yaml', pointer: '/contract/expires', line: 6 });
  });

  it('unknown covered hosts and unusable service hours are located', async () => {
    const text = vendor().replace('service_hours: {always: true}', 'service_hours: {days: [mon]}').replace('hosts: [db-01]', 'hosts: [db-01, db-99]');
    const ds = (await lint({ 'policies/contacts/db-vendor.yaml': text }, '2026-11-27T10:00:00+08:00')).filter((d) => d.code.startsWith('contact.'));
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([
      ['contact.service-hours', '/service_hours'],
      ['contact.unknown-target', '/covers/hosts/1'],
    ]);
  });
});
