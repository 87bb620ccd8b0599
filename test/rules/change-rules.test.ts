import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { calendar, change, group, host, person } from './fixture-docs.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
const base = {
  'inventory/groups/web.yaml': group('web'),
  'inventory/groups/db.yaml': group('db'),
  'inventory/hosts/web-01.yaml': host('web-01'),
  'inventory/hosts/db-01.yaml': host('db-01', { groups: 'db', criticality: 'critical' }),
  'inventory/hosts/stg-01.yaml': host('stg-01', { env: 'staging' }),
  'policies/access/people/alice.yaml': person('alice'),
  'policies/access/people/bob.yaml': person('bob'),
  'policies/calendar.yaml': calendar,
};

async function lintWith(files: Record<string, string>) {
  const repo = await repoFromFiles({ ...base, ...files });
  return lintRepo({ repo, now: NOW, existingFiles: new Set(['inventory/files/nginx.conf']) });
}
const codes = (ds: { code: string; severity: string }[]) => ds.filter((d) => d.severity !== 'notice').map((d) => d.code);

describe('change rules', () => {
  it('a well-formed change inside its window lints clean', async () => {
    expect(codes(await lintWith({ 'changes/2026/CHG-2026-0001.yaml': change() }))).toEqual([]);
  });

  it.each([
    ['window end before start', { end: '2026-12-03T21:00:00+08:00' }, ['change.window-order']],
    ['outside the maintenance window (Wednesday)', { start: '2026-12-02T22:30:00+08:00', end: '2026-12-02T23:00:00+08:00' }, ['change.outside-maintenance-window']],
    ['window on a holiday (workdays_only)', { start: '2026-12-01T22:30:00+08:00', end: '2026-12-01T23:00:00+08:00' }, ['change.outside-maintenance-window']],
    ['window crossing midnight inside 22:00–02:00', { start: '2026-12-03T23:30:00+08:00', end: '2026-12-04T01:30:00+08:00' }, []],
    ['window running past 02:00', { start: '2026-12-03T23:30:00+08:00', end: '2026-12-04T02:30:00+08:00' }, ['change.outside-maintenance-window']],
    ['normal change in the freeze', { start: '2027-02-04T22:30:00+08:00', end: '2027-02-04T23:00:00+08:00' }, ['change.in-freeze']],
    ['emergency without justification', { type: 'emergency', start: '2026-12-02T10:00:00+08:00', end: '2026-12-02T11:00:00+08:00' }, ['change.emergency-justification']],
    [
      'emergency in the freeze with justification',
      {
        type: 'emergency',
        start: '2027-02-04T10:00:00+08:00',
        end: '2027-02-04T11:00:00+08:00',
        extra: 'emergency: { justification: payment outage needs a hotfix, retro_review_due: 2027-02-06T18:00:00+08:00 }\n',
      },
      [],
    ],
    ['declared low on a prod host', { risk: 'low' }, ['change.risk-too-low']],
    ['declared medium on a critical host', { targets: '{ hosts: [db-01] }' }, ['change.risk-too-low']],
    ['low risk on staging', { risk: 'low', targets: '{ hosts: [stg-01] }', start: '2026-12-03T22:30:00+08:00' }, ['change.outside-maintenance-window']],
    ['unknown target host', { targets: '{ hosts: [web-09] }' }, ['change.no-hosts', 'reference.unknown']],
  ])('%s', async (_name, over, expected) => {
    expect(codes(await lintWith({ 'changes/2026/CHG-2026-0001.yaml': change(over) })).sort()).toEqual([...expected].sort());
  });

  it('medium risk without rollback, verification and test evidence: three findings where the keys belong', async () => {
    const text = change().replace(/verification:[\s\S]*$/, '');
    const ds = (await lintWith({ 'changes/2026/CHG-2026-0001.yaml': text })).filter((d) => d.code === 'change.missing-safeguard');
    // steps: is the last key (its item on line 12): each one belongs on line 13.
    expect(ds.map((d) => [d.pointer, d.line, d.col])).toEqual([
      ['/rollback', 13, 1],
      ['/verification', 13, 1],
      ['/test_evidence', 13, 1],
    ]);
  });

  it('two changes overlapping on a shared host conflict; on different hosts they do not', async () => {
    const a = change({ id: 'CHG-2026-0001' });
    const b = change({ id: 'CHG-2026-0002', start: '2026-12-03T23:00:00+08:00', end: '2026-12-04T00:30:00+08:00' });
    expect(codes(await lintWith({ 'changes/2026/CHG-2026-0001.yaml': a, 'changes/2026/CHG-2026-0002.yaml': b }))).toEqual(['change.conflict']);
    const c = change({ id: 'CHG-2026-0002', risk: 'high', targets: '{ hosts: [db-01] }', start: '2026-12-03T23:00:00+08:00', end: '2026-12-04T00:30:00+08:00' });
    expect(codes(await lintWith({ 'changes/2026/CHG-2026-0001.yaml': a, 'changes/2026/CHG-2026-0002.yaml': c }))).toEqual([]);
  });

  it('an upload whose source is missing is located at the source', async () => {
    const text = change().replace('steps:\n', 'steps:\n  - { id: conf, kind: upload, source: inventory/files/missing.conf, dest: /etc/nginx/nginx.conf, mode: "0644" }\n');
    const d = (await lintWith({ 'changes/2026/CHG-2026-0001.yaml': text })).find((x) => x.code === 'change.missing-file');
    expect(d).toMatchObject({ pointer: '/steps/0/source', line: 12 });
  });

  it('a run step with both argv and script is refused', async () => {
    const text = change().replace('argv: [systemctl, restart, nginx] }', 'argv: [systemctl], script: inventory/files/nginx.conf }');
    expect(codes(await lintWith({ 'changes/2026/CHG-2026-0001.yaml': text }))).toContain('change.run-argv-or-script');
  });
});
