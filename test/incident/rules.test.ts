import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { incident, openIncident, orgFiles } from './org.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
const FILE = 'incidents/2026/INC-2026-0001.yaml';

async function lint(inc: string, extra: Record<string, string> = {}, now = NOW, mostSevere: 1 | 4 = 1) {
  const repo = await repoFromFiles({ ...orgFiles(mostSevere), [FILE]: inc, ...extra });
  expect(repo.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return lintRepo({ repo, now, existingFiles: new Set() }).filter((d) => d.file === FILE || d.file.startsWith('policies/'));
}
const codes = (ds: { code: string; severity: string }[]) => ds.map((d) => `${d.severity}:${d.code}`).sort();

describe('incident duties (第五章 故障处理)', () => {
  it('a 一级 incident with its whole chain lints clean', async () => {
    expect(codes(await lint(incident()))).toEqual([]);
  });

  it("the issue's example: acknowledged after 90 min, resolved after 8 h, no escalation, postmortem not_required", async () => {
    const ds = await lint(
      incident({
        acknowledged_at: '2026-11-11T01:42:00+08:00',
        analysed_at: '2026-11-11T01:50:00+08:00',
        resolved_at: '2026-11-11T08:12:00+08:00',
        escalations: null,
        notifications: null,
        verification: '{at: 2026-11-11T08:20:00+08:00, by: alice}',
        feedback: '{at: 2026-11-11T08:30:00+08:00, by: alice, to: [x]}',
        report: '{submitted_at: 2026-11-11T09:00:00+08:00, by: alice}',
        closed_at: '2026-11-12T09:00:00+08:00',
        postmortem: '{status: not_required}',
      }),
    );
    expect(codes(ds)).toEqual([
      'error:incident.ack-late',
      'error:incident.escalation-late',
      'error:incident.escalation-late',
      'error:incident.escalation-late',
      'error:incident.notification-missing',
      'error:incident.postmortem-required',
    ]);
    const ack = ds.find((d) => d.code === 'incident.ack-late')!;
    expect(ack).toMatchObject({ pointer: '/acknowledged_at', line: 9 });
    expect(ack.message).toContain('85 min late');
    expect(ds.find((d) => d.code === 'incident.postmortem-required')).toMatchObject({ pointer: '/postmortem/status' });
    expect(
      ds
        .filter((d) => d.code === 'incident.escalation-late')
        .map((d) => d.message)
        .join('\n'),
    ).toMatch(/supervisor[\s\S]*leadership[\s\S]*escalate to carol/);
    expect(ds.find((d) => d.code === 'incident.notification-missing')!.message).toMatch(/^25 of 25 status update windows have no update/);
  });

  it.each([
    [
      'supervisor reached late',
      {
        escalations: `\n  - {at: 2026-11-11T00:40:00+08:00, by: alice, role: supervisor, to: [bob], channel: phone}\n  - {at: 2026-11-11T00:25:00+08:00, by: alice, role: technical, to: [carol], channel: phone}\n  - {at: 2026-11-11T00:35:00+08:00, by: bob, role: leadership, to: [management], channel: phone}`,
      },
      'incident.escalation-late',
      '/escalations/0/at',
      /18 min late/,
    ],
    [
      'leadership told by robot, not by phone or in person',
      {
        escalations: `\n  - {at: 2026-11-11T00:18:00+08:00, by: alice, role: supervisor, to: [bob], channel: phone}\n  - {at: 2026-11-11T00:25:00+08:00, by: alice, role: technical, to: [carol], channel: phone}\n  - {at: 2026-11-11T00:35:00+08:00, by: bob, role: leadership, to: [management], channel: dingtalk}`,
      },
      'incident.escalation-late',
      '/escalations/2/channel',
      /recorded by dingtalk, which does not count/,
    ],
    [
      'a status update window skipped',
      { notifications: `\n  - {at: 2026-11-11T00:28:00+08:00, by: alice, duty: update, to: [ops], channel: dingtalk}` },
      'incident.notification-missing',
      '/notifications',
      /1 of 2 status update windows/,
    ],
    ['no feedback to the reporter', { feedback: null }, 'incident.notification-missing', '/resolved_at', /反馈/],
    ['no verification', { verification: null }, 'incident.cycle-incomplete', '/resolved_at', /验证/],
    ['no analysis', { analysed_at: null }, 'incident.cycle-incomplete', '/resolved_at', /分析/],
    ['故障报告单 late', { report: '{submitted_at: 2026-11-12T09:00:00+08:00, by: alice}' }, 'incident.report-overdue', '/report/submitted_at', /8 h|480 min late/],
    ['postmortem marked not required at a level that requires it', { postmortem: '{status: not_required}' }, 'incident.postmortem-required', '/postmortem/status', /required/],
  ])('%s → %s', async (_name, over, code, pointer, message) => {
    const ds = (await lint(incident(over))).filter((d) => d.severity === 'error');
    expect(ds.map((d) => d.code)).toEqual([code]);
    expect(ds[0]).toMatchObject({ pointer });
    expect(ds[0]!.line).toBeGreaterThan(1);
    expect(ds[0]!.message).toMatch(message);
  });

  it('an approved deviation turns the miss into a warning that still names it; the handler cannot approve their own', async () => {
    const dev = (by: string) => `\n  - {duty: postmortem, reason: 厂商缺陷，复盘与厂商工单合并处理, approved_by: ${by}}`;
    expect(codes(await lint(incident({ postmortem: '{status: not_required}', deviations: dev('bob') })))).toEqual(['warning:incident.postmortem-required']);
    expect(codes(await lint(incident({ postmortem: '{status: not_required}', deviations: dev('alice') })))).toEqual(['error:incident.deviation-self-approved', 'warning:incident.postmortem-required']);
  });

  it('an open incident is reported only once a duty is overdue', async () => {
    const open = openIncident();
    expect(codes(await lint(open, {}, new Date('2026-11-11T00:14:00+08:00')))).toEqual([]);
    expect(codes(await lint(open, {}, new Date('2026-11-11T00:20:00+08:00')))).toEqual(['error:incident.ack-late']);
    const later = await lint(open, {}, new Date('2026-11-11T00:23:00+08:00'));
    expect(codes(later)).toEqual(['error:incident.ack-late', 'error:incident.escalation-late']);
    expect(later[0]!.message).toMatch(/not recorded \(\d+ min overdue\)/);
  });
});

describe('incident.level-too-low: the level derived from hosts and impact, derivation printed', () => {
  it.each([
    [
      'outage on a critical prod host, declared 三级',
      { level: '3' },
      1,
      /一级 \(affects prod host\(s\) db-01 → 三级; prod service outage → 二级; outage on critical host\(s\) db-01 → 一级; outage for all users → 一级\)/,
    ],
    ['data leak on a staging host, declared 四级', { level: '4', affected: '{hosts: [stg-01]}', impact: '{availability: none, data: leak, users: few}' }, 1, /一级 \(data leak → 一级\)/],
    ['degraded for many users on prod, declared 三级', { level: '3', affected: '{hosts: [web-01]}', impact: '{availability: degraded, users: many}' }, 1, /二级/],
    ['most_severe 4: outage on a critical host, declared level 2', { level: '2' }, 4, /四级/],
  ])('%s', async (_n, over, mostSevere, message) => {
    const ds = (await lint(incident(over as Record<string, string>), {}, NOW, mostSevere as 1 | 4)).filter((d) => d.code === 'incident.level-too-low');
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ pointer: '/level', line: 3, severity: 'error' });
    expect(ds[0]!.message).toMatch(message);
  });

  it.each([
    ['staging fault declared 四级', { level: '4', affected: '{hosts: [stg-01]}', impact: '{availability: outage, users: few}' }, 1],
    ['most_severe 4: the worst level is 4', { level: '4' }, 4],
  ])('%s is not too low', async (_n, over, ms) => {
    expect((await lint(incident(over), {}, NOW, ms as 1 | 4)).filter((d) => d.code === 'incident.level-too-low')).toEqual([]);
  });
});

describe('vendors, people and the SLA policy', () => {
  const call = (contact: string, at = '2026-11-11T00:40:00+08:00') => `\n  - {contact: ${contact}, called_at: ${at}, by: alice, channel: phone}`;
  it('a vendor call names a registered vendor whose contract covered the day', async () => {
    expect(codes(await lint(incident({ vendor_engagements: call('db-vendor') })))).toEqual([]);
    const unknown = await lint(incident({ vendor_engagements: call('no-such-vendor') }));
    expect(unknown.map((d) => [d.code, d.pointer])).toEqual([['incident.vendor-unknown', '/vendor_engagements/0/contact']]);
    expect((await lint(incident({ vendor_engagements: call('management') }))).map((d) => d.code)).toEqual(['incident.vendor-unknown']);
    const expired = await lint(incident({ vendor_engagements: call('db-vendor', '2028-01-02T00:00:00+08:00') }));
    expect(expired.map((d) => [d.severity, d.code])).toContainEqual(['warning', 'incident.vendor-contract-expired']);
  });

  it('unknown people in the chain are located', async () => {
    const ds = await lint(
      incident({
        escalations: `\n  - {at: 2026-11-11T00:18:00+08:00, by: alcie, role: supervisor, to: [bob, nobody], channel: phone}\n  - {at: 2026-11-11T00:25:00+08:00, by: alice, role: technical, to: [carol], channel: phone}\n  - {at: 2026-11-11T00:35:00+08:00, by: bob, role: leadership, to: [management], channel: phone}`,
      }),
    );
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([
      ['incident.unknown-person', '/escalations/0/by'],
      ['incident.unknown-person', '/escalations/0/to/1'],
    ]);
  });

  it('sla.severity-order warns when the numbers run against most_severe', async () => {
    const repo = await repoFromFiles({ ...orgFiles(1), 'policies/sla.yaml': orgFiles(4)['policies/sla.yaml']!.replace('most_severe: 4', 'most_severe: 1') });
    const ds = lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((d) => d.code === 'sla.severity-order');
    expect(ds.length).toBeGreaterThan(0);
    expect(ds[0]).toMatchObject({ severity: 'warning', file: 'policies/sla.yaml' });
  });

  it('a robot secret the workflows can never pass (reserved name) is an error at its place', async () => {
    const sla = orgFiles()['policies/sla.yaml'] + 'notify:\n  channels:\n    - {id: dt, type: dingtalk, url_env: OPSGATE_DT_URL, secret_env: DT_SECRET}\n';
    const repo = await repoFromFiles({ ...orgFiles(), 'policies/sla.yaml': sla });
    const ds = lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((d) => d.code.startsWith('sla.notify'));
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([['sla.notify-secret-name', '/notify/channels/0/url_env']]);
  });
});
