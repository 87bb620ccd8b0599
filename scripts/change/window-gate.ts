/**
 * Whether the next batch or step of a change may start at `now`: inside the
 * change's window and outside every freeze that does not allow its type. Asked
 * before every batch and every step, not only at the start. Pure.
 */
import type { CalendarDocument } from '../model/documents.generated.ts';
import { blockingFreezes } from '../rules/calendar.ts';
import type { GateVerdict } from './run-host.ts';

export function windowVerdict(change: { window: { start: string; end: string }; type: 'standard' | 'normal' | 'emergency' }, calendar: CalendarDocument | undefined, now: Date): GateVerdict {
  const t = now.getTime();
  const start = Date.parse(change.window.start);
  const end = Date.parse(change.window.end);
  if (!(t >= start && t < end)) return { ok: false, code: 'window_closed', reason: t < start ? `the window opens at ${change.window.start}` : `the window closed at ${change.window.end}` };
  const freeze = calendar ? blockingFreezes(calendar, change.type, t, t + 1)[0] : undefined;
  if (freeze) return { ok: false, code: 'window_closed', reason: `freeze '${freeze.id}' (${freeze.title}) began; it does not allow ${change.type} changes` };
  return { ok: true };
}
