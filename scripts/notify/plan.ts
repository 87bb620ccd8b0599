import type { IncidentDocument, OncallDocument, SlaDocument } from '../model/documents.generated.ts';
import { evaluateDuties, isResolved, levelOf, type Duty } from '../incident/duties.ts';
import { LEVEL_NAMES } from '../incident/levels.ts';
import { formatLocal } from '../incident/time.ts';
import { dutySlots } from '../rules/oncall.ts';
import type { ChannelConfig, PlannedNotification, Stage } from './types.ts';

/**
 * What `opsgate incidents watch` should send now: for every incident still
 * owing a duty, an announcement once it is open, a reminder when a duty falls
 * due and an alarm once it is overdue, each to the channels policy routes it
 * to and never a key already sent. Pure: the clock and what was sent are
 * parameters.
 */
export interface PlanInput {
  incidents: readonly { id: string; file: string; data: IncidentDocument }[];
  sla: SlaDocument;
  oncall?: OncallDocument;
  /** GitHub logins of people, for mentions in comments. */
  githubLogins?: ReadonlyMap<string, string>;
  now: number;
  zone: string;
  /** `key@channel` already sent, or in doubt (a send started and never finished): never sent again. */
  done: ReadonlySet<string>;
}

const MIN = 60_000;
const DUTY_LABEL: Record<string, string> = {
  open: '新故障',
  acknowledge: '接收确认',
  supervisor: '报告运维主管',
  leadership: '主管报告领导（电话或当面）',
  escalation: '升级',
  update: '进展通报',
  verification: '验证',
  feedback: '反馈',
  report: '故障报告单',
};
const STAGE_LABEL: Record<Stage, string> = { open: '已创建', due: '即将到期', overdue: '已逾期' };
const COMMAND: Record<string, string> = {
  acknowledge: 'opsgate incident ack {id} --by PERSON',
  supervisor: 'opsgate incident escalate {id} --role supervisor --to SUPERVISOR --channel phone --by PERSON',
  leadership: 'opsgate incident escalate {id} --role leadership --to LEADER --channel phone --by SUPERVISOR',
  escalation: 'opsgate incident escalate {id} --role technical --to PERSON --channel phone --by PERSON',
  update: 'opsgate incident notify {id} --duty update --to GROUP --channel dingtalk --by PERSON --note TEXT',
  verification: 'record verification: {at, by, note} in {file}',
  feedback: 'opsgate incident notify {id} --duty feedback --to REPORTER --channel phone --by PERSON',
  report: 'record report: {submitted_at, by} in {file} once the 故障报告单 is submitted',
};

/** How long before a duty falls due its reminder goes out: a third of its window, at least 1 and at most 15 minutes. */
export function reminderLead(d: Pick<Duty, 'dueAt' | 'from'>): number {
  const window = d.dueAt !== undefined && d.from !== undefined ? d.dueAt - d.from : 15 * MIN;
  return Math.min(15 * MIN, Math.max(MIN, window / 3));
}

const slotCache = new WeakMap<OncallDocument, { now: number; zone: string; slots: ReturnType<typeof dutySlots> }>();

/** People on duty now: a rotation id resolves to whoever holds it at `now` (daily spans in the calendar's `zone`). */
function resolveTargets(ids: readonly string[], oncall: OncallDocument | undefined, now: number, zone: string): string[] {
  let slots: ReturnType<typeof dutySlots> = [];
  if (oncall) {
    const c = slotCache.get(oncall);
    slots = c && c.now === now && c.zone === zone ? c.slots : dutySlots(oncall, now, now + 1, zone);
    slotCache.set(oncall, { now, zone, slots });
  }
  return ids.flatMap((id) => {
    const s = slots.filter((x) => x.rotation === id && x.start <= now && x.end > now);
    return s.length ? s.map((x) => x.person) : [id];
  });
}

export function planNotifications(input: PlanInput): PlannedNotification[] {
  const { sla, oncall, now, zone, done } = input;
  const channels = sla.notify?.channels ?? [];
  if (!channels.length) return [];
  const out: PlannedNotification[] = [];
  const primary = sla.alerts?.rotation ?? oncall?.rotations[0]?.id;
  for (const inc of input.incidents) {
    const d = inc.data;
    if (d.status === 'closed') continue;
    const level = levelOf(sla, d.level);
    if (!level) continue;
    const resolved = isResolved(d);
    const duties = evaluateDuties({ incident: d, level, sla, now, latestUpdatesOnly: true });
    const stages: { duty: string; stage: Stage; key: string; dueAt?: number; notifyAt: number; who: string[]; detail: string }[] = [];
    if (!resolved)
      stages.push({
        duty: 'open',
        stage: 'open',
        key: `${inc.id}/open`,
        notifyAt: Date.parse(d.reported_at ?? d.detected_at),
        who: uniq([d.handler, ...resolveTargets(primary ? [primary] : [], oncall, now, zone)]),
        detail: d.summary,
      });
    const updates = duties.filter((x) => x.kind === 'update');
    const latestOverdueUpdate = updates.filter((x) => x.state === 'overdue').at(-1);
    for (const duty of duties) {
      if (duty.kind === 'postmortem' || duty.deviation || duty.dueAt === undefined) continue;
      if (resolved && !['verification', 'feedback', 'report'].includes(duty.kind)) continue;
      if (duty.kind === 'update' && duty.state === 'overdue' && duty !== latestOverdueUpdate) continue;
      // Status updates are owed from the acknowledgement on: before it, their windows (and keys) are not yet fixed.
      if (duty.kind === 'update' && !d.acknowledged_at) continue;
      let stage: Stage | undefined;
      if (duty.state === 'overdue') stage = 'overdue';
      else if (duty.state === 'pending' && now >= duty.dueAt - reminderLead(duty)) stage = 'due';
      if (!stage) continue;
      const step = stage === 'overdue' ? ackStepReached(duty, oncall, now) : undefined;
      stages.push({
        duty: duty.kind,
        stage,
        key: `${inc.id}/${duty.key}/${stage}${step !== undefined ? `+${step}m` : ''}`,
        dueAt: duty.dueAt,
        notifyAt: stage === 'due' ? duty.dueAt - reminderLead(duty) : step !== undefined ? duty.from! + step * MIN : duty.dueAt,
        who: recipients(duty, stage, d, sla, oncall, now, primary, zone),
        detail: duty.detail,
      });
    }
    for (const s of stages) {
      // The same for every channel, and only needed when sending (a dry run lists keys): rendered once, on first use.
      let message: PlannedNotification['message'] | undefined;
      const render = () => (message ??= renderMessage(inc, s, now, zone));
      for (const ch of channels) {
        if (!routes(ch, d.level, s.duty)) continue;
        if (done.has(`${s.key}@${ch.id}`)) continue;
        out.push({
          key: s.key,
          incident: inc.id,
          level: d.level,
          duty: s.duty,
          stage: s.stage,
          channel: ch.id,
          channelType: ch.type,
          recipients: s.who,
          mentions: mentionsFor(ch, s.who, sla, input.githubLogins),
          ...(s.dueAt !== undefined ? { dueAt: new Date(s.dueAt).toISOString() } : {}),
          notifyAt: new Date(s.notifyAt).toISOString(),
          get message() {
            return render();
          },
          ...(ch.type === 'github' && (d.tracking?.pull_request ?? d.tracking?.issue) ? { thread: d.tracking!.pull_request ?? d.tracking!.issue! } : {}),
        });
      }
    }
  }
  return out;
}

/**
 * An acknowledgement still missing when the rota's next escalation step is
 * reached is alarmed again, to that step (`acknowledge/overdue+15m`): steps
 * reached after the first alarm would otherwise never be told. Steps within
 * the acknowledgement window go with the first alarm. Its latency counts
 * from the moment the step was reached. Pure.
 */
export function ackStepReached(duty: Pick<Duty, 'kind' | 'dueAt' | 'from'>, oncall: OncallDocument | undefined, now: number): number | undefined {
  if (duty.kind !== 'acknowledge' || duty.dueAt === undefined || duty.from === undefined) return undefined;
  const window = (duty.dueAt - duty.from) / MIN;
  const since = (now - duty.from) / MIN;
  const reached = (oncall?.escalation ?? []).map((s) => s.after_minutes).filter((m) => m > window && m <= since);
  return reached.length ? Math.max(...reached) : undefined;
}

function routes(ch: ChannelConfig, level: number, duty: string): boolean {
  return (!ch.levels || ch.levels.includes(level)) && (!ch.duties || (ch.duties as string[]).includes(duty));
}

function recipients(duty: Duty, stage: Stage, d: IncidentDocument, sla: SlaDocument, oncall: OncallDocument | undefined, now: number, primary: string | undefined, zone: string): string[] {
  const supervisors = sla.supervisors ?? [];
  const onDuty = resolveTargets(primary ? [primary] : [], oncall, now, zone);
  switch (duty.kind) {
    case 'acknowledge': {
      if (stage === 'due') return uniq([d.handler, ...onDuty]);
      const since = (now - (duty.from ?? now)) / MIN;
      const steps = (oncall?.escalation ?? []).filter((s) => s.after_minutes <= since).flatMap((s) => resolveTargets(s.to, oncall, now, zone));
      return uniq([d.handler, ...onDuty, ...steps, ...supervisors]);
    }
    case 'supervisor':
      return stage === 'due' ? [d.handler] : uniq([d.handler, ...supervisors]);
    case 'leadership':
      return uniq(supervisors);
    case 'escalation':
      return uniq([d.handler, ...resolveTargets(duty.who, oncall, now, zone)]);
    default:
      return stage === 'due' ? [d.handler] : uniq([d.handler, ...supervisors]);
  }
}

function mentionsFor(ch: ChannelConfig, people: readonly string[], sla: SlaDocument, logins: ReadonlyMap<string, string> | undefined): string[] {
  if (ch.type === 'webhook') return [];
  if (ch.type === 'github') return people.map((p) => logins?.get(p)).filter((x): x is string => !!x);
  const handles = sla.notify?.handles ?? {};
  return people.map((p) => handles[p]?.[ch.type as 'dingtalk' | 'wecom' | 'feishu' | 'slack']).filter((x): x is string => !!x);
}

function renderMessage(
  inc: { id: string; file: string; data: IncidentDocument },
  s: { duty: string; stage: Stage; dueAt?: number; who: string[]; detail: string },
  now: number,
  zone: string,
): { title: string; text: string } {
  const d = inc.data;
  const title = `【${LEVEL_NAMES[d.level] ?? d.level}】${inc.id} ${d.title} · ${DUTY_LABEL[s.duty] ?? s.duty}${s.stage === 'open' ? '' : `（${STAGE_LABEL[s.stage]}）`}`;
  const lines = [`级别：${LEVEL_NAMES[d.level] ?? d.level}\u3000状态：${d.status}\u3000负责人：${d.handler}`, s.stage === 'open' ? `摘要：${d.summary}` : `事项：${s.detail}`];
  if (s.dueAt !== undefined) {
    const mins = Math.round(Math.abs(now - s.dueAt) / MIN);
    lines.push(`时限：${formatLocal(s.dueAt, zone)}（${now > s.dueAt ? `已逾期 ${mins} 分钟` : `还剩 ${mins} 分钟`}）`);
  }
  if (s.who.length) lines.push(`通知：${s.who.join('、')}`);
  lines.push(`故障单：${inc.file}`);
  const cmd = COMMAND[s.duty];
  if (cmd) lines.push(`记录：${cmd.replaceAll('{id}', inc.id).replaceAll('{file}', inc.file)}`);
  return { title, text: lines.join('\n') };
}

function uniq(list: readonly string[]): string[] {
  return [...new Set(list.filter(Boolean))];
}
