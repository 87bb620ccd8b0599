import type { ChangeDocument, HandoverDocument, IncidentDocument, OncallDocument, SlaDocument } from '../model/documents.generated.ts';
import { evaluateDuties, levelOf } from '../incident/duties.ts';
import { LEVEL_NAMES } from '../incident/levels.ts';
import { formatLocal, isoLocal } from '../incident/time.ts';
import { blockWithFlowLeaves } from '../incident/yaml-edit.ts';
import { changesOpeningIn, openIncidentsAt, shiftBoundaries, type Boundary } from './boundaries.ts';

/**
 * `opsgate handover new`: the handover document of one shift boundary,
 * pre-filled from the repository — who hands over to whom (the rota), the
 * incidents open at the boundary with what each still owes, the changes whose
 * window opens in the next shift, and the inspection checks that started
 * failing since the last handover. Pure.
 */
export interface FailingCheck {
  host: string;
  check: string;
  severity: string;
  since: number;
}

export interface PrefillInput {
  oncall: OncallDocument;
  rotation: string;
  /** The boundary: the last one at or before this moment, or the next one within 30 minutes. */
  at: number;
  zone: string;
  incidents: readonly { id: string; data: IncidentDocument }[];
  changes: readonly { id: string; data: ChangeDocument }[];
  sla?: SlaDocument;
  failing: readonly FailingCheck[];
  /** When the document is written (handed_over_at). */
  now: number;
}

const SOON = 30 * 60_000;

/** The boundary a handover written at `at` belongs to. */
export function boundaryFor(oncall: OncallDocument, rotation: string, at: number, zone: string): Boundary | undefined {
  const r = oncall.rotations.find((x) => x.id === rotation);
  if (!r) return undefined;
  const len = r.shift.hours * 3_600_000;
  const list = shiftBoundaries(oncall, rotation, at - 2 * len, at + SOON, zone);
  return list.filter((b) => b.at <= at + SOON).at(-1);
}

export function prefillHandover(input: PrefillInput): { boundary: Boundary; doc: HandoverDocument } | undefined {
  const b = boundaryFor(input.oncall, input.rotation, input.at, input.zone);
  if (!b) return undefined;
  const open = openIncidentsAt(input.incidents, b.at).sort((x, y) => x.id.localeCompare(y.id));
  const doc: HandoverDocument = {
    id: b.id,
    rotation: b.rotation,
    boundary: isoLocal(b.at, input.zone),
    outgoing: b.outgoing,
    incoming: b.incoming,
    handed_over_at: isoLocal(Math.max(input.now, b.at - SOON), input.zone),
    open_incidents: open.map((i) => ({ id: i.id, status: i.data.status, note: owed(i.data, input.sla, b.at, input.zone) })),
    upcoming_changes: changesOpeningIn(input.changes, b.at, b.shiftEnd)
      .sort((x, y) => x.data.window.start.localeCompare(y.data.window.start))
      .map((c) => ({ id: c.id, window_start: c.data.window.start, note: c.data.title })),
    failing_checks: [...input.failing]
      .sort((x, y) => x.host.localeCompare(y.host) || x.check.localeCompare(y.check))
      .map((f) => ({ host: f.host, check: f.check, severity: f.severity, since: isoLocal(f.since, input.zone) })),
  };
  return { boundary: b, doc };
}

/** What an open incident still owes, in one line for the incoming person. */
function owed(i: IncidentDocument, sla: SlaDocument | undefined, at: number, zone: string): string {
  const duties = evaluateDuties({ incident: i, level: levelOf(sla, i.level), sla, now: at, latestUpdatesOnly: true }).filter((d) => d.state === 'pending' || d.state === 'overdue');
  const next = duties
    .filter((d) => d.kind !== 'update')
    .slice(0, 3)
    .map((d) => `${d.kind}${d.dueAt ? ` ${d.state === 'overdue' ? '已逾期' : '截止'} ${formatLocal(d.dueAt, zone).slice(5, 16)}` : ''}`);
  return `${LEVEL_NAMES[i.level] ?? i.level} ${i.title}；负责人 ${i.handler}${next.length ? `；待办：${next.join('，')}` : ''}`;
}

/** The handover as YAML text, with the editor schema line and what is left to fill in. */
export function renderHandover(doc: HandoverDocument): string {
  const { acknowledgement, notes, ...rest } = doc;
  return [
    '# yaml-language-server: $schema=../../../schemas/handover.schema.json',
    `# 交接班：${doc.outgoing} → ${doc.incoming}。Pre-filled by opsgate handover new; check every list, add notes,`,
    `# then the incoming person acknowledges: npx opsgate handover ack ${doc.id} --by ${doc.incoming}`,
    blockWithFlowLeaves({ ...rest, notes: notes ?? 'TODO: 本班情况、遗留事项、需要接班人关注的事' }).trimEnd(),
    ...(acknowledgement ? [blockWithFlowLeaves({ acknowledgement }).trimEnd()] : []),
    '',
  ].join('\n');
}

/**
 * Checks that started failing since the last handover and still fail at the
 * boundary: rows new or regressed in a completed run in (since, at], still
 * fail or error in the last completed run at or before `at`. Pure over the
 * inspection record lines (layout: scripts/inspect/record.ts).
 */
export function failingSince(lines: readonly Record<string, unknown>[], since: number, at: number): FailingCheck[] {
  const runs = new Map<string, { at: number; rows: { host: string; check: string; status: string; severity: string; change?: string }[]; done: boolean }>();
  for (const l of lines) {
    const id = typeof l.run_id === 'string' ? l.run_id : undefined;
    if (!id) continue;
    const r = runs.get(id) ?? { at: Date.parse(String(l.at)), rows: [], done: false };
    runs.set(id, r);
    if (l.type === 'inspection.started') r.at = Date.parse(String(l.at));
    else if (l.type === 'inspection.completed') r.done = true;
    else if (l.type === 'inspection.host' && Array.isArray(l.results)) {
      for (const x of l.results as Record<string, unknown>[]) {
        if (typeof x.host === 'string' && typeof x.check === 'string' && typeof x.status === 'string')
          r.rows.push({
            host: x.host,
            check: x.check,
            status: x.status,
            severity: typeof x.severity === 'string' ? x.severity : 'info',
            ...(typeof x.change === 'string' ? { change: x.change } : {}),
          });
      }
    }
  }
  const done = [...runs.values()].filter((r) => r.done && r.at <= at).sort((a, b) => a.at - b.at);
  const latest = done.at(-1);
  if (!latest) return [];
  const started = new Map<string, FailingCheck>();
  for (const r of done.filter((x) => x.at > since)) {
    for (const row of r.rows) {
      const key = `${row.host}|${row.check}`;
      if ((row.status === 'fail' || row.status === 'error') && (row.change === 'new' || row.change === 'regressed') && !started.has(key))
        started.set(key, { host: row.host, check: row.check, severity: row.severity, since: r.at });
    }
  }
  const still = new Set(latest.rows.filter((x) => x.status === 'fail' || x.status === 'error').map((x) => `${x.host}|${x.check}`));
  return [...started.entries()].filter(([k]) => still.has(k)).map(([, v]) => v);
}
