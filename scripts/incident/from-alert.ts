import type { HostDocument, IncidentDocument, OncallDocument, SlaDocument } from '../model/documents.generated.ts';
import { dutySlots } from '../rules/oncall.ts';
import { nextId } from '../scaffold/templates.ts';
import { levelOfAlert, matchInstance, type Alert, type AlertPayload } from './alertmanager.ts';
import { LEVEL_NAMES } from './levels.ts';
import { isoLocal } from './time.ts';
import { appendItem, blockWithFlowLeaves, setMapping } from './yaml-edit.ts';

/**
 * Alertmanager alerts → incident documents. One incident per alert
 * fingerprint: a fingerprint that already has an open incident updates it
 * (how often and when it was last received, firing or resolved); a new one
 * opens the next INC id with the level the policy maps its labels to, the
 * hosts its `instance` names, and the person on duty as reporter and handler.
 * Pure: texts in, texts out.
 */
export interface AlertPlanInput {
  payload: AlertPayload;
  sla: SlaDocument;
  /** The SLA policy's file as the repository spells it (policies/sla.yaml or .yml): what problems name. */
  slaFile: string;
  oncall?: OncallDocument;
  hosts: readonly { id: string; data: Pick<HostDocument, 'address'> }[];
  /** Every incident, with its file text for updates. */
  incidents: readonly { id: string; file: string; data: IncidentDocument; text: string }[];
  /** Ids taken, including files that did not load. */
  takenIds: readonly string[];
  now: number;
  zone: string;
}

export interface AlertProblem {
  pointer: string;
  code: string;
  message: string;
  hint: string;
}

export interface AlertPlan {
  opened: { id: string; file: string; text: string; fingerprint: string; level: number; levelReason: string }[];
  updated: { id: string; file: string; text: string; fingerprint: string }[];
  ignored: { fingerprint: string; reason: string }[];
  problems: AlertProblem[];
}

export function planAlertIncidents(input: AlertPlanInput): AlertPlan {
  const plan: AlertPlan = { opened: [], updated: [], ignored: [], problems: [] };
  const mapping = input.sla.alerts;
  if (!mapping) {
    plan.problems.push({ pointer: '', code: 'alert.no-mapping', message: `${input.slaFile} has no alerts: mapping (level_label, levels, default_level)`, hint: `add alerts: to ${input.slaFile}` });
    return plan;
  }
  const instanceLabel = mapping.instance_label ?? 'instance';
  const taken = [...input.takenIds];
  const seen = new Set<string>();
  input.payload.alerts.forEach((a, i) => {
    const p = `/alerts/${i}`;
    if (seen.has(a.fingerprint)) return;
    seen.add(a.fingerprint);
    const open = input.incidents.find((x) => x.data.alert?.fingerprint === a.fingerprint && (x.data.status === 'open' || x.data.status === 'mitigated'));
    if (open) {
      plan.updated.push({ id: open.id, file: open.file, text: updateText(open, a, input.now, input.zone), fingerprint: a.fingerprint });
      return;
    }
    if (a.status === 'resolved') {
      plan.ignored.push({ fingerprint: a.fingerprint, reason: 'resolved, and no open incident carries this fingerprint' });
      return;
    }
    const instance = a.labels[instanceLabel];
    if (instance === undefined) {
      plan.problems.push({
        pointer: `${p}/labels`,
        code: 'alert.no-instance',
        message: `the alert has no ${instanceLabel} label: opsgate cannot tell which host is affected`,
        hint: `add ${instanceLabel} to the alert, or set alerts.instance_label in ${input.slaFile}`,
      });
      return;
    }
    const host = matchInstance(instance, input.hosts);
    if (!host) {
      plan.problems.push({
        pointer: `${p}/labels/${instanceLabel}`,
        code: 'alert.unknown-instance',
        message: `${instanceLabel} "${instance}" matches no host in inventory/hosts/ (by id, address or host name)`,
        hint: 'add the host to the inventory, or relabel the alert so instance names an inventory host',
      });
      return;
    }
    const { level, reason } = levelOfAlert(a, mapping);
    const starts = Date.parse(a.startsAt);
    const year = Number(isoLocal(starts, input.zone).slice(0, 4));
    const id = nextId('INC', year, taken);
    taken.push(id);
    const person = onDuty(input, starts);
    const text = newIncidentText({
      id,
      alert: a,
      level,
      levelReason: reason,
      host,
      instance,
      person,
      now: input.now,
      zone: input.zone,
      sla: input.sla,
      titleAnnotation: mapping.title_annotation ?? 'summary',
    });
    plan.opened.push({ id, file: `incidents/${year}/${id}.yaml`, text, fingerprint: a.fingerprint, level, levelReason: reason });
  });
  return plan;
}

function onDuty(input: AlertPlanInput, at: number): string {
  const rotation = input.sla.alerts?.rotation ?? input.oncall?.rotations[0]?.id;
  const slot = input.oncall ? dutySlots(input.oncall, at, at + 1, input.zone).find((s) => s.rotation === rotation && s.start <= at && s.end > at) : undefined;
  return slot?.person ?? input.sla.supervisors?.[0] ?? 'TODO';
}

function alertBlock(a: Alert, received: number, now: number, zone: string): NonNullable<IncidentDocument['alert']> {
  return {
    source: 'alertmanager' as const,
    fingerprint: a.fingerprint,
    ...(a.labels.alertname ? { alertname: a.labels.alertname } : {}),
    status: a.status,
    starts_at: isoLocal(Date.parse(a.startsAt), zone),
    ...(a.endsAt ? { ends_at: isoLocal(Date.parse(a.endsAt), zone) } : {}),
    last_received_at: isoLocal(now, zone),
    received,
    labels: a.labels,
    ...(a.generatorURL ? { generator_url: a.generatorURL } : {}),
  };
}

function newIncidentText(v: {
  id: string;
  alert: Alert;
  level: number;
  levelReason: string;
  host: string;
  instance: string;
  person: string;
  now: number;
  zone: string;
  sla: SlaDocument;
  titleAnnotation: string;
}): string {
  const a = v.alert;
  const starts = Date.parse(a.startsAt);
  const title = (a.annotations[v.titleAnnotation] ?? a.labels.alertname ?? 'Alertmanager 告警').slice(0, 120);
  const summary = a.annotations.description ?? a.annotations[v.titleAnnotation] ?? `${a.labels.alertname ?? 'alert'} on ${v.host}`;
  const required = v.sla.levels.find((l) => l.level === v.level)?.postmortem === 'required';
  const doc: Partial<IncidentDocument> & Record<string, unknown> = {
    id: v.id,
    title,
    level: v.level,
    status: 'open',
    reporter: v.person,
    handler: v.person,
    source: 'monitoring',
    alert: alertBlock(a, 1, v.now, v.zone),
    detected_at: isoLocal(starts, v.zone),
    reported_at: isoLocal(Math.max(starts, v.now), v.zone),
    affected: { hosts: [v.host] },
    summary,
    timeline: [{ at: isoLocal(starts, v.zone), note: `Alertmanager 告警 ${a.labels.alertname ?? ''}（${v.instance}，${v.levelReason}）` }],
    postmortem: { status: required ? 'pending' : 'not_required' },
  };
  return [
    '# yaml-language-server: $schema=../../schemas/incident.schema.json',
    `# Opened by opsgate incident open --from-alertmanager: ${LEVEL_NAMES[v.level]} (${v.levelReason}), on duty: ${v.person}.`,
    `# Next: npx opsgate incident ack ${v.id} --by PERSON; record impact: {availability, data, users}.`,
    blockWithFlowLeaves(doc).trimEnd(),
    '',
  ].join('\n');
}

function updateText(inc: { data: IncidentDocument; text: string }, a: Alert, now: number, zone: string): string {
  const prev = inc.data.alert!;
  let text = setMapping(inc.text, 'alert', { ...alertBlock(a, (prev.received ?? 1) + 1, now, zone) }, ['source', 'handler']);
  if (prev.status !== a.status) {
    const note = a.status === 'resolved' ? `Alertmanager 告警恢复（${a.labels.alertname ?? a.fingerprint}）` : `Alertmanager 告警再次触发（${a.labels.alertname ?? a.fingerprint}）`;
    text = appendItem(text, 'timeline', { at: isoLocal(a.status === 'resolved' && a.endsAt ? Date.parse(a.endsAt) : now, zone), note }, ['summary', 'affected', 'impact']);
  }
  return text;
}
