import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentCommand } from '../../scripts/commands/incident.ts';
import { ackIncident, escalateIncident, notifyIncident, resolveIncident } from '../../scripts/incident/edit.ts';
import { UsageError } from '../../scripts/model/errors.ts';
import { orgFiles } from './org.ts';
import { runCommand, tempRepo } from './cli-harness.ts';

const zone = 'Asia/Shanghai';
const at = (hm: string) => Date.parse(`2026-11-11T${hm}:00+08:00`);
/** Written by a person: comments, a folded scalar, flow lists, odd spacing. */
const TEXT = `# yaml-language-server: $schema=../../schemas/incident.schema.json
# 双十一值班记录 — 请勿删除本注释
id: INC-2026-0001
title: "支付回调失败"   # 标题由值班填写
level: 1
status: open
reporter: alice
handler: alice
detected_at: 2026-11-11T00:10:00+08:00
reported_at: 2026-11-11T00:12:00+08:00   # 监控
affected: {hosts: [db-01]}
summary: >-
  大促零点流量峰值下，
  连接数打满。
timeline:
  - at: 2026-11-11T00:10:00+08:00
    note: 告警
escalations:
  - {at: 2026-11-11T00:18:00+08:00, by: alice, role: supervisor, to: [bob], channel: phone}

# 以下由复盘填写
postmortem: {status: pending}
`;

/** Every original line survives, in order: the edit only inserts or changes what it must. */
function keptInOrder(before: string, after: string, changed: RegExp[] = []): void {
  const out = after.split('\n');
  let j = 0;
  for (const line of before.split('\n')) {
    if (changed.some((c) => c.test(line))) continue;
    while (j < out.length && out[j] !== line) j++;
    expect(j, `line kept: ${line}`).toBeLessThan(out.length);
    j++;
  }
}

describe('in-place edits keep comments and layout (yaml Document API, minimal splices)', () => {
  it('ack inserts acknowledged_at after reported_at and a timeline line; nothing else moves', () => {
    const out = ackIncident(TEXT, { by: 'alice', at: at('00:15'), zone, note: '确认告警' });
    keptInOrder(TEXT, out);
    expect(out).toMatch(/reported_at: 2026-11-11T00:12:00\+08:00 {3}# 监控\nacknowledged_at: 2026-11-11T00:15:00\+08:00\n/);
    expect(out).toContain('  - at: 2026-11-11T00:15:00+08:00\n    by: alice\n    note: alice 接收确认：确认告警\n');
    expect(() => ackIncident(out, { by: 'alice', at: at('00:16'), zone })).toThrow(UsageError);
  });

  it('escalate appends in the style of the existing items (flow), notify creates its list after them', () => {
    let out = escalateIncident(TEXT, { by: 'bob', at: at('00:35'), zone, role: 'leadership', to: ['management'], channel: 'phone', note: '电话报告技术总监' });
    expect(out).toContain(
      '  - {at: 2026-11-11T00:18:00+08:00, by: alice, role: supervisor, to: [bob], channel: phone}\n  - {at: 2026-11-11T00:35:00+08:00, by: bob, role: leadership, to: [management], channel: phone, note: 电话报告技术总监}\n',
    );
    out = notifyIncident(out, { by: 'alice', at: at('00:28'), zone, duty: 'update', to: ['ops-dingtalk'], channel: 'dingtalk', note: '处理中: 扩容' });
    expect(out).toMatch(/notifications:\n {2}- at: 2026-11-11T00:28:00\+08:00\n {4}by: alice\n {4}duty: update\n {4}to: \[ops-dingtalk\]\n {4}channel: dingtalk\n {4}note: "处理中: 扩容"\n/);
    keptInOrder(TEXT, out);
    expect(out.indexOf('notifications:')).toBeLessThan(out.indexOf('# 以下由复盘填写'));
  });

  it('a vendor call goes to vendor_engagements with its ticket', () => {
    const out = escalateIncident(TEXT, { by: 'alice', at: at('00:40'), zone, role: 'vendor', to: ['db-vendor'], channel: 'phone', ticket: 'P1-42' });
    expect(out).toMatch(/vendor_engagements:\n {2}- contact: db-vendor\n {4}called_at: 2026-11-11T00:40:00\+08:00\n {4}by: alice\n {4}channel: phone\n {4}ticket: P1-42\n/);
  });

  it('resolve sets status in place and refuses without a cause', () => {
    const acked = ackIncident(TEXT, { by: 'alice', at: at('00:15'), zone });
    expect(() => resolveIncident(acked, { by: 'alice', at: at('01:00'), zone })).toThrow(/--root-cause/);
    const out = resolveIncident(acked, { by: 'alice', at: at('01:00'), zone, rootCause: '连接池误配', resolution: '调小连接池', verifiedBy: 'bob' });
    keptInOrder(acked, out, [/^status: open$/]);
    expect(out).toMatch(/^status: resolved$/m);
    expect(out).toMatch(/acknowledged_at: 2026-11-11T00:15:00\+08:00\nresolved_at: 2026-11-11T01:00:00\+08:00\nverification: \{at: 2026-11-11T01:00:00\+08:00, by: bob\}\n/);
  });
});

describe('opsgate incident ack|escalate|notify|resolve (CLI)', () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
  });
  async function repo() {
    const root = await tempRepo({ ...orgFiles(), 'incidents/2026/INC-2026-0001.yaml': TEXT });
    roots.push(root);
    return root;
  }
  const file = (root: string) => readFile(path.join(root, 'incidents/2026/INC-2026-0001.yaml'), 'utf8');

  it('records the whole chain in seconds, each edit validated before it is written', async () => {
    const root = await repo();
    const now = '2026-11-11T00:50:00+08:00';
    expect((await runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice', '--at', '00:15'], now)).out).toContain('acknowledged at 2026-11-11T00:15:00+08:00 by alice');
    expect(
      (await runCommand(incidentCommand, root, ['escalate', 'INC-2026-0001', '--role', 'technical', '--to', 'carol', '--channel', 'phone', '--by', 'alice', '--at', '2026-11-11T00:25'], now)).code,
    ).toBe(0);
    expect((await runCommand(incidentCommand, root, ['notify', 'INC-2026-0001', '--duty', 'update', '--to', 'ops', '--channel', 'dingtalk', '--by', 'alice', '--note', '扩容中'], now)).code).toBe(0);
    const text = await file(root);
    expect(text).toContain('acknowledged_at: 2026-11-11T00:15:00+08:00');
    expect(text).toContain('{at: 2026-11-11T00:25:00+08:00, by: alice, role: technical, to: [carol], channel: phone}');
    expect(text).toContain('# 以下由复盘填写');
  });

  it.each([
    [['ack', 'INC-2026-0001'], /--by PERSON is required/],
    [['ack', 'INC-2026-0001', '--by', 'mallory'], /no person 'mallory'/],
    [['ack', 'INC-2026-0009', '--by', 'alice'], /no such incident/],
    [['escalate', 'INC-2026-0001', '--role', 'boss', '--to', 'bob', '--channel', 'phone', '--by', 'alice'], /--role must be one of/],
    [['escalate', 'INC-2026-0001', '--role', 'supervisor', '--to', 'bob', '--channel', 'pigeon', '--by', 'alice'], /--channel must be one of/],
    [['ack', 'INC-2026-0001', '--by', 'alice', '--at', 'tomorrow'], /is not a time/],
    [['frobnicate'], /expected open, ack/],
  ])('%j → usage error, file unchanged', async (argv, message) => {
    const root = await repo();
    const r = await runCommand(incidentCommand, root, argv, '2026-11-11T00:50:00+08:00');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(await file(root)).toBe(TEXT);
  });

  it('an edit that would make the document invalid is refused with located diagnostics', async () => {
    const root = await repo();
    const r = await runCommand(incidentCommand, root, ['escalate', 'INC-2026-0001', '--role', 'supervisor', '--to', 'Zhang Wei', '--channel', 'phone', '--by', 'alice'], '2026-11-11T00:50:00+08:00');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/INC-2026-0001\.yaml:\d+:\d+ +schema\.pattern/);
    expect(await file(root)).toBe(TEXT);
  });

  it('a document that is invalid before the edit is left alone', async () => {
    const root = await repo();
    await writeFile(path.join(root, 'incidents/2026/INC-2026-0001.yaml'), TEXT.replace('level: 1', 'level: 9'));
    const r = await runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice'], '2026-11-11T00:50:00+08:00');
    expect(r.code).toBe(2);
    expect(r.err).toContain('schema.maximum');
  });
});
