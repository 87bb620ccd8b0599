import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handoverCommand } from '../../scripts/commands/handover.ts';
import { failingSince } from '../../scripts/handover/prefill.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { change } from '../rules/fixture-docs.ts';
import { runCommand, tempRepo } from '../incident/cli-harness.ts';
import { incident, orgFiles } from '../incident/org.ts';

const oncall = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00}
`;
const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

const row = (host: string, check: string, status: string, change?: string) => ({ host, check, status, severity: 'high', ...(change ? { change } : {}) });
async function inspection(root: string, at: string, rows: ReturnType<typeof row>[]) {
  await mkdir(path.join(root, 'records/inspections'), { recursive: true });
  const w = await RecordWriter.open(path.join(root, 'records/inspections/2026-11.jsonl'));
  const id = `INS-${at}`;
  await w.append({ at, type: 'inspection.started', run_id: id });
  await w.append({ at, type: 'inspection.host', run_id: id, host: 'db-01', reachable: true, results: rows });
  await w.append({ at, type: 'inspection.completed', run_id: id });
  await w.close();
}

describe('opsgate handover new|ack', () => {
  it("pre-fills the boundary from the rota, the open incidents, the next shift's changes and the checks newly failing since the last handover", async () => {
    const files = {
      ...orgFiles(),
      'policies/oncall.yaml': oncall,
      'incidents/2026/INC-2026-0001.yaml': incident({
        status: 'open',
        acknowledged_at: '2026-11-11T00:15:00+08:00',
        analysed_at: null,
        resolved_at: null,
        closed_at: null,
        verification: null,
        feedback: null,
        report: null,
        root_cause: null,
        resolution: null,
        escalations: null,
        notifications: null,
        detected_at: '2026-11-11T05:00:00+08:00',
        reported_at: '2026-11-11T05:00:00+08:00',
      }).replace('acknowledged_at: 2026-11-11T00:15:00+08:00', 'acknowledged_at: 2026-11-11T05:10:00+08:00'),
      'changes/2026/CHG-2026-0001.yaml': change({ start: '2026-11-11T10:00:00+08:00', end: '2026-11-11T11:00:00+08:00', risk: 'low' }),
      'inventory/groups/ops.yaml': 'id: ops\ntitle: ops\nowners: [alice]\n',
    };
    const root = await tempRepo(files);
    roots.push(root);
    await inspection(root, '2026-11-10T22:00:00+08:00', [row('db-01', 'ssh.root', 'fail', 'new'), row('db-01', 'ssh.x', 'fail', 'new')]);
    await inspection(root, '2026-11-11T06:00:00+08:00', [row('db-01', 'ssh.root', 'fail', 'persisting'), row('db-01', 'ssh.x', 'pass', 'resolved'), row('db-01', 'disk', 'error', 'regressed')]);
    const r = await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:40:00+08:00');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote incidents\/handovers\/2026\/HO-2026-11-11-0800\.yaml: bob → alice, 1 open incident\(s\), 1 change\(s\) next shift, 2 newly failing check\(s\)/);
    const text = await readFile(path.join(root, 'incidents/handovers/2026/HO-2026-11-11-0800.yaml'), 'utf8');
    expect(text).toMatch(/boundary: 2026-11-11T08:00:00\+08:00\noutgoing: bob\nincoming: alice\n/);
    expect(text).toMatch(/open_incidents:\n {2}- \{id: INC-2026-0001, status: open, note: .*待办：supervisor 已逾期/);
    expect(text).toContain('- {id: CHG-2026-0001, window_start: 2026-11-11T10:00:00+08:00');
    expect(text).toContain('{host: db-01, check: disk, severity: high');
    expect(text).toContain('{host: db-01, check: ssh.root, severity: high');
    expect(text).not.toContain('check: ssh.x');

    expect((await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:45:00+08:00')).err).toMatch(/already exists/);
    expect((await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'bob'], '2026-11-11T08:05:00+08:00')).err).toMatch(/only the incoming person/);
    const ack = await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'alice', '--note', '已了解'], '2026-11-11T08:05:00+08:00');
    expect(ack.code).toBe(0);
    const after = await readFile(path.join(root, 'incidents/handovers/2026/HO-2026-11-11-0800.yaml'), 'utf8');
    expect(after).toContain('acknowledgement: {by: alice, at: 2026-11-11T08:05:00+08:00, note: 已了解}');
    expect(after.startsWith(text.replace(/\n$/, ''))).toBe(true);
  });

  it('failingSince ignores runs before the last handover and checks that recovered', () => {
    const lines = [
      { type: 'inspection.started', run_id: 'a', at: '2026-11-10T06:00:00+08:00' },
      { type: 'inspection.host', run_id: 'a', at: '2026-11-10T06:00:00+08:00', results: [row('h', 'old', 'fail', 'new')] },
      { type: 'inspection.completed', run_id: 'a', at: '2026-11-10T06:00:00+08:00' },
      { type: 'inspection.started', run_id: 'b', at: '2026-11-10T22:00:00+08:00' },
      { type: 'inspection.host', run_id: 'b', at: '2026-11-10T22:00:00+08:00', results: [row('h', 'old', 'fail', 'persisting'), row('h', 'new', 'fail', 'new')] },
      { type: 'inspection.started', run_id: 'c', at: '2026-11-10T23:00:00+08:00' },
    ];
    expect(failingSince(lines, Date.parse('2026-11-10T20:00:00+08:00'), Date.parse('2026-11-11T08:00:00+08:00'))).toEqual([]);
    lines.push({ type: 'inspection.completed', run_id: 'b', at: '2026-11-10T22:00:00+08:00' });
    expect(failingSince(lines, Date.parse('2026-11-10T20:00:00+08:00'), Date.parse('2026-11-11T08:00:00+08:00')).map((f) => f.check)).toEqual(['new']);
  });
});
