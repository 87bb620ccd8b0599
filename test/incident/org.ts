/** A small organisation for incident, duty and handover tests: plain YAML, parsed through the real loader. */
import { group, host, person } from '../rules/fixture-docs.ts';

export const slaYaml = (mostSevere: 1 | 4 = 1) => {
  // Level numbers follow the policy's direction: with most_severe 4 the strictest targets sit on level 4.
  const lv = (n: number) => (mostSevere === 1 ? n : 5 - n);
  return `id: sla
most_severe: ${mostSevere}
supervisors: [bob]
leadership: [management]
levels:
  - {level: ${lv(1)}, name: 最严重, acknowledge_minutes: 5, resolve_minutes: 120, report_to_supervisor_minutes: 10, leadership_minutes: 30, escalate_after_minutes: 30, escalate_to: [carol], update_every_minutes: 15, feedback_minutes: 60, report_due_hours: 24, postmortem: required}
  - {level: ${lv(2)}, name: 次严重, acknowledge_minutes: 15, resolve_minutes: 240, report_to_supervisor_minutes: 30, leadership_minutes: 60, escalate_after_minutes: 60, escalate_to: [carol], update_every_minutes: 30, report_due_hours: 48, postmortem: required}
  - {level: ${lv(3)}, name: 一般, acknowledge_minutes: 30, resolve_minutes: 480, report_to_supervisor_minutes: 60, escalate_after_minutes: 120, escalate_to: [bob], report_due_hours: 72, postmortem: optional}
  - {level: ${lv(4)}, name: 轻微, acknowledge_minutes: 120, resolve_minutes: 2880, escalate_after_minutes: 480, escalate_to: [bob], postmortem: optional}
`;
};

export const vendor = (expires = '2027-06-30') => `id: db-vendor
name: 数据库厂商
type: vendor
hotline: "95187"
service_hours: {always: true}
contract: {expires: ${expires}}
covers: {hosts: [db-01]}
`;

export const leadership = `id: management\nname: 管理层\ntype: leadership\nhotline: "0571-1000"\n`;

export const orgFiles = (mostSevere: 1 | 4 = 1): Record<string, string> => ({
  'inventory/groups/db.yaml': group('db'),
  'inventory/groups/web.yaml': group('web'),
  'inventory/hosts/db-01.yaml': host('db-01', { groups: 'db', criticality: 'critical' }),
  'inventory/hosts/web-01.yaml': host('web-01', { groups: 'web', criticality: 'high' }),
  'inventory/hosts/stg-01.yaml': host('stg-01', { groups: 'web', env: 'staging', criticality: 'low' }),
  'policies/access/people/alice.yaml': person('alice'),
  'policies/access/people/bob.yaml': person('bob'),
  'policies/access/people/carol.yaml': person('carol'),
  'policies/sla.yaml': slaYaml(mostSevere),
  'policies/contacts/db-vendor.yaml': vendor(),
  'policies/contacts/management.yaml': leadership,
  'policies/calendar.yaml': 'id: calendar\ntimezone: Asia/Shanghai\nmaintenance_windows: []\n',
});

/**
 * A 一级 incident with its full chain, on db-01; `over` replaces top-level
 * keys (a value of null drops the key). Times are 2026-11-11 +08:00.
 */
export function incident(over: Record<string, string | null> = {}): string {
  const t = (hm: string) => `2026-11-11T${hm}:00+08:00`;
  const fields: Record<string, string | null> = {
    id: 'INC-2026-0001',
    title: '支付中断',
    level: '1',
    status: 'closed',
    reporter: 'alice',
    handler: 'alice',
    detected_at: t('00:10'),
    reported_at: t('00:12'),
    acknowledged_at: t('00:15'),
    analysed_at: t('00:20'),
    resolved_at: t('01:00'),
    closed_at: t('09:00'),
    verification: `{at: ${t('01:05')}, by: alice}`,
    feedback: `{at: ${t('01:10')}, by: alice, to: [客服中心], channel: dingtalk}`,
    report: `{submitted_at: ${t('08:00')}, by: alice}`,
    affected: '{hosts: [db-01]}',
    impact: '{availability: outage, data: none, users: all}',
    summary: '连接数打满',
    escalations: `
  - {at: ${t('00:18')}, by: alice, role: supervisor, to: [bob], channel: phone}
  - {at: ${t('00:25')}, by: alice, role: technical, to: [carol], channel: phone}
  - {at: ${t('00:35')}, by: bob, role: leadership, to: [management], channel: phone}`,
    notifications: `
  - {at: ${t('00:28')}, by: alice, duty: update, to: [ops], channel: dingtalk}
  - {at: ${t('00:44')}, by: alice, duty: update, to: [ops], channel: dingtalk}`,
    root_cause: '连接池误配',
    resolution: '调小连接池',
    postmortem: '{status: done, due: 2026-11-18, completed_on: 2026-11-17}',
    ...over,
  };
  return (
    Object.entries(fields)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n') + '\n'
  );
}

/** Incident INC-2026-0001 still open: reported at 00:12, never acknowledged, nothing after it (`over` adds or replaces fields). */
export function openIncident(over: Record<string, string | null> = {}): string {
  const after = ['acknowledged_at', 'analysed_at', 'resolved_at', 'closed_at', 'verification', 'feedback', 'report', 'escalations', 'notifications', 'root_cause', 'resolution'];
  return incident({ status: 'open', ...Object.fromEntries(after.map((k) => [k, null])), ...over });
}

/** An open incident in UTC+01:00 (Europe/Berlin in November), for tests of the calendar's time zone. */
export const BERLIN_INCIDENT = `id: INC-2026-0001
title: 支付回调失败
level: 1
status: open
reporter: alice
handler: alice
detected_at: 2026-11-11T00:10:00+01:00
reported_at: 2026-11-11T00:12:00+01:00
affected: {hosts: [db-01]}
summary: 连接数打满。
timeline:
  - at: 2026-11-11T00:10:00+01:00
    note: 告警
postmortem: {status: pending}
`;

/** A rota whose shifts turn at 08:00 and 20:00 UTC+01:00 (Europe/Berlin in November). */
export const BERLIN_ONCALL = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+01:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+01:00}
`;
