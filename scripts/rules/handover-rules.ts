import type { Diagnostic } from '../model/diagnostic.ts';
import { changeStarts, DEFAULT_ACK_MINUTES, DEFAULT_LOOKBACK_HOURS, handoverId, handoverPath, incidentSpans, shiftBoundaries } from '../handover/boundaries.ts';
import { formatLocal } from '../incident/time.ts';
import { at, type RuleInput } from './rule-context.ts';
import { openAtIndex, openingInIndex } from './span-index.ts';
import { parseInstant } from '../model/instant.ts';
import { calendarZone } from '../calendar/zone.ts';

const MIN = 60_000;

/**
 * Shift handovers (交接班): every boundary of the 24x7 rotation named in
 * policies/oncall.yaml `handover` within the look-back has a document; each
 * document is at a real boundary between the right people, lists what was open
 * and what is coming, and is acknowledged by the incoming person in time.
 * A missing handover is a warning: it can only be written late, and it must
 * not block unrelated pull requests; the reports count it. Pure.
 */
export function checkHandovers({ repo, now }: RuleInput): Diagnostic[] {
  const oncall = repo.one('oncall');
  const docs = repo.all('handover');
  if (!oncall) return [];
  const out: Diagnostic[] = [];
  const zone = calendarZone(repo);
  const cfg = oncall.data.handover;
  const nowMs = now.getTime();
  const fmt = (t: number) => formatLocal(t, zone);
  const ackMin = cfg?.acknowledge_within_minutes ?? DEFAULT_ACK_MINUTES;
  const byId = new Map(docs.map((d) => [d.id, d]));
  // Each incident's and change's times, read once and sorted, for all handovers.
  const openAt = openAtIndex(incidentSpans(repo.all('incident')));
  const openingIn = openingInIndex(changeStarts(repo.all('change')));

  if (cfg) {
    if (!oncall.data.rotations.some((r) => r.id === cfg.rotation)) {
      out.push(at(oncall, '/handover/rotation', 'handover.unknown-rotation', `no rotation '${cfg.rotation}'`, `use one of: ${oncall.data.rotations.map((r) => r.id).join(', ')}`));
    } else {
      const from = Math.max(parseInstant(cfg.since), nowMs - (cfg.lookback_hours ?? DEFAULT_LOOKBACK_HOURS) * 3_600_000);
      for (const b of shiftBoundaries(oncall.data, cfg.rotation, from, nowMs - ackMin * MIN, zone)) {
        if (byId.has(b.id)) continue;
        out.push(
          at(
            oncall,
            '/handover',
            'handover.missing',
            `no handover for the ${fmt(b.at)} boundary of ${b.rotation} (${b.outgoing} → ${b.incoming})`,
            `write ${handoverPath(b.id)}: opsgate handover new --at ${new Date(b.at).toISOString()}`,
            'warning',
          ),
        );
      }
    }
  }

  const person = (id: string) => repo.get('person', id) !== undefined || repo.hasInvalid('person', id);
  for (const h of docs) {
    const d = h.data;
    const b = parseInstant(d.boundary);
    if (d.id !== handoverId(b, zone))
      out.push(at(h, '/id', 'handover.id-mismatch', `the boundary ${d.boundary} is ${handoverId(b, zone)} in ${zone}, not ${d.id}`, `rename the file to ${handoverPath(handoverId(b, zone))}`));
    for (const [ptr, id] of [
      ['/outgoing', d.outgoing],
      ['/incoming', d.incoming],
      ['/acknowledgement/by', d.acknowledgement?.by],
    ] as const) {
      if (id && !person(id)) out.push(at(h, ptr, 'handover.unknown-person', `no person '${id}'`, 'use an id from policies/access/people/'));
    }
    const rota = shiftBoundaries(oncall.data, d.rotation, b, b, zone)[0];
    if (!oncall.data.rotations.some((r) => r.id === d.rotation))
      out.push(at(h, '/rotation', 'handover.unknown-rotation', `no rotation '${d.rotation}' in ${oncall.file}`, `use one of: ${oncall.data.rotations.map((r) => r.id).join(', ')}`));
    else if (!rota)
      out.push(at(h, '/boundary', 'handover.not-a-boundary', `${d.boundary} is not a shift boundary of ${d.rotation}`, `use the time one shift ends and the next begins (see ${oncall.file})`));
    else {
      if (rota.outgoing !== d.outgoing)
        out.push(
          at(
            h,
            '/outgoing',
            'handover.wrong-person',
            `the rota has ${rota.outgoing} handing over at ${d.boundary}, not ${d.outgoing}`,
            `record who actually handed over, and add an override to ${oncall.file} for the swap`,
            'warning',
          ),
        );
      if (rota.incoming !== d.incoming)
        out.push(
          at(
            h,
            '/incoming',
            'handover.wrong-person',
            `the rota has ${rota.incoming} taking over at ${d.boundary}, not ${d.incoming}`,
            `record who actually took over, and add an override to ${oncall.file} for the swap`,
            'warning',
          ),
        );
      const listedChanges = new Set(d.upcoming_changes.map((c) => c.id));
      const missingChanges = openingIn(b, rota.shiftEnd).filter((c) => !listedChanges.has(c.id));
      if (missingChanges.length)
        out.push(
          at(
            h,
            '/upcoming_changes',
            'handover.incomplete',
            `changes opening in the next shift are not listed: ${missingChanges.map((c) => c.id).join(', ')}`,
            'list every change whose window opens before the next boundary',
            'warning',
          ),
        );
    }
    const listed = new Set(d.open_incidents.map((i) => i.id));
    const missing = openAt(b).filter((i) => !listed.has(i.id));
    if (missing.length)
      out.push(
        at(
          h,
          '/open_incidents',
          'handover.incomplete',
          `incidents open at the boundary are not listed: ${missing.map((i) => i.id).join(', ')}`,
          'list every open incident with what the incoming person must do',
          'warning',
        ),
      );
    d.open_incidents.forEach((i, k) => {
      if (!repo.get('incident', i.id) && !repo.hasInvalid('incident', i.id))
        out.push(at(h, `/open_incidents/${k}/id`, 'handover.unknown-reference', `no incident ${i.id}`, 'use an id from incidents/'));
    });
    d.upcoming_changes.forEach((c, k) => {
      if (!repo.get('change', c.id) && !repo.hasInvalid('change', c.id)) out.push(at(h, `/upcoming_changes/${k}/id`, 'handover.unknown-reference', `no change ${c.id}`, 'use an id from changes/'));
    });
    const ack = d.acknowledgement;
    if (!ack) {
      if (nowMs > b + ackMin * MIN)
        out.push(
          at(
            h,
            '/incoming',
            'handover.unacknowledged',
            `${d.incoming} has not acknowledged the handover (due ${fmt(b + ackMin * MIN)}, ${ackMin} min after the boundary)`,
            'the incoming person adds acknowledgement: {by, at}',
          ),
        );
    } else {
      if (ack.by !== d.incoming)
        out.push(at(h, '/acknowledgement/by', 'handover.acknowledged-by-other', `acknowledged by ${ack.by}, but ${d.incoming} is taking over`, 'only the incoming person acknowledges a handover'));
      if (parseInstant(ack.at) > b + ackMin * MIN)
        out.push(at(h, '/acknowledgement/at', 'handover.ack-late', `acknowledged at ${ack.at}, more than ${ackMin} min after the boundary`, 'acknowledge at the handover', 'warning'));
    }
  }
  return out;
}
