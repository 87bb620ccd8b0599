import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { UsageError } from '../model/errors.ts';
import { isoLocal } from './time.ts';
import { appendItem, setMapping, setScalar, YamlEditError } from './yaml-edit.ts';

/**
 * `opsgate incident ack|escalate|notify|resolve`: each is a pure function from
 * the incident's text to its new text, editing in place with the yaml
 * Document API so an operator's comments and layout survive. What they
 * record is what lint and the reports read: acknowledged_at, escalations,
 * vendor_engagements, notifications, resolved_at, and a timeline line.
 */
export type Channel = 'phone' | 'in_person' | 'dingtalk' | 'wecom' | 'feishu' | 'slack' | 'webhook' | 'github' | 'email' | 'sms';
export const CHANNELS: readonly Channel[] = ['phone', 'in_person', 'dingtalk', 'wecom', 'feishu', 'slack', 'webhook', 'github', 'email', 'sms'];
export const ROLES = ['supervisor', 'leadership', 'technical', 'vendor'] as const;
export const NOTIFY_DUTIES = ['acknowledge', 'supervisor', 'leadership', 'escalation', 'update', 'feedback', 'report', 'verification', 'other'] as const;

/** ISO 8601 with an offset; without one, local time in `zone`; `HH:MM` is today in `zone`. */
export function parseTime(value: string, zone: string, nowMs: number = Date.now()): number {
  const hm = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (hm)
    return DateTime.fromMillis(nowMs, { zone })
      .set({ hour: Number(hm[1]), minute: Number(hm[2]), second: 0, millisecond: 0 })
      .toMillis();
  const dt = DateTime.fromISO(value, { zone, setZone: true });
  if (!dt.isValid) throw new UsageError(`--at '${value}' is not a time`, 'use ISO 8601 (2026-11-11T00:15:00+08:00), a local date-time (2026-11-11T00:15) or HH:MM for today');
  return dt.toMillis();
}

export interface EditBase {
  by: string;
  at: number;
  zone: string;
  note?: string;
}

interface Current {
  status?: string;
  acknowledged_at?: string;
  resolved_at?: string;
  root_cause?: string;
  resolution?: string;
  reported_at?: string;
}

function current(text: string): Current {
  const v = parse(text) as Current | null;
  return v && typeof v === 'object' ? v : {};
}

const TIMELINE_AFTER = ['summary', 'affected', 'impact'];
const CHAIN_AFTER = ['timeline', ...TIMELINE_AFTER];

function timeline(text: string, e: EditBase, what: string): string {
  return appendItem(text, 'timeline', { at: isoLocal(e.at, e.zone), by: e.by, note: e.note ? `${what}：${e.note}` : what }, TIMELINE_AFTER);
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof YamlEditError) throw new UsageError(`cannot edit the incident: ${e.message}`);
    throw e;
  }
}

export function ackIncident(text: string, e: EditBase): string {
  const c = current(text);
  if (c.acknowledged_at) throw new UsageError(`already acknowledged at ${c.acknowledged_at}`, 'edit acknowledged_at by hand to correct it');
  if (c.reported_at && Date.parse(c.reported_at) > e.at) throw new UsageError(`--at is before reported_at (${c.reported_at})`);
  return guard(() => timeline(setScalar(text, 'acknowledged_at', isoLocal(e.at, e.zone), ['reported_at', 'detected_at']), e, `${e.by} 接收确认`));
}

export function analyseIncident(text: string, e: EditBase): string {
  const c = current(text) as Current & { analysed_at?: string };
  if (c.analysed_at) throw new UsageError(`already analysed at ${c.analysed_at}`);
  return guard(() => timeline(setScalar(text, 'analysed_at', isoLocal(e.at, e.zone), ['acknowledged_at', 'reported_at']), e, `${e.by} 分析定位`));
}

export interface EscalateEdit extends EditBase {
  role: (typeof ROLES)[number];
  to: string[];
  channel: Channel;
  ticket?: string;
}

export function escalateIncident(text: string, e: EscalateEdit): string {
  if (!e.to.length) throw new UsageError('--to names who was reached (person or contact ids, comma-separated)');
  return guard(() => {
    if (e.role === 'vendor') {
      if (e.to.length !== 1) throw new UsageError('--role vendor takes one contact id in --to');
      const t = appendItem(text, 'vendor_engagements', { contact: e.to[0], called_at: isoLocal(e.at, e.zone), by: e.by, channel: e.channel, ticket: e.ticket, note: e.note }, [
        'notifications',
        'escalations',
        ...CHAIN_AFTER,
      ]);
      return timeline(t, e, `${e.by} 联系第三方 ${e.to[0]}${e.ticket ? `（工单 ${e.ticket}）` : ''}`);
    }
    const t = appendItem(text, 'escalations', { at: isoLocal(e.at, e.zone), by: e.by, role: e.role, to: e.to, channel: e.channel, note: e.note }, CHAIN_AFTER);
    const label = { supervisor: '报告运维主管', leadership: '报告领导', technical: '升级' }[e.role];
    return timeline(t, e, `${e.by} ${label} ${e.to.join('、')}（${e.channel}）`);
  });
}

export interface NotifyEdit extends EditBase {
  duty: (typeof NOTIFY_DUTIES)[number];
  to: string[];
  channel: Channel;
}

export function notifyIncident(text: string, e: NotifyEdit): string {
  if (!e.to.length) throw new UsageError('--to names who was told (people, contacts, channels or groups, comma-separated)');
  return guard(() => appendItem(text, 'notifications', { at: isoLocal(e.at, e.zone), by: e.by, duty: e.duty, to: e.to, channel: e.channel, note: e.note }, ['escalations', ...CHAIN_AFTER]));
}

export interface ResolveEdit extends EditBase {
  rootCause?: string;
  resolution?: string;
  verifiedBy?: string;
}

export function resolveIncident(text: string, e: ResolveEdit): string {
  const c = current(text);
  if (c.resolved_at) throw new UsageError(`already resolved at ${c.resolved_at}`);
  if (!c.acknowledged_at) throw new UsageError('the incident was never acknowledged', 'run opsgate incident ack first (a resolved incident needs acknowledged_at)');
  if (!c.root_cause && !e.rootCause) throw new UsageError('--root-cause is required: the incident has no root_cause yet');
  if (!c.resolution && !e.resolution) throw new UsageError('--resolution is required: the incident has no resolution yet');
  return guard(() => {
    const at = isoLocal(e.at, e.zone);
    let t = setScalar(text, 'status', 'resolved');
    t = setScalar(t, 'resolved_at', at, ['mitigated_at', 'analysed_at', 'acknowledged_at', 'reported_at']);
    if (e.verifiedBy) t = setMapping(t, 'verification', { at, by: e.verifiedBy, ...(e.note ? { note: e.note } : {}) }, ['resolved_at']);
    if (e.rootCause) t = setScalar(t, 'root_cause', e.rootCause, ['summary', 'timeline', 'escalations', 'notifications', 'vendor_engagements']);
    if (e.resolution) t = setScalar(t, 'resolution', e.resolution, ['root_cause']);
    return timeline(t, e, `${e.by} 修复完成`);
  });
}
