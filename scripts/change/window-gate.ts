/**
 * Whether the next batch or step of a change may start at `now`: inside the
 * change's window and outside every freeze that does not allow its type. Asked
 * before every batch and every step, not only at the start. A step is asked
 * with its timeout (`spanMs`): it starts only if it would end, however long it
 * takes, before the window closes and before a freeze begins — a run never
 * outruns its window. Pure.
 */
import type { CalendarDocument } from '../model/documents.generated.ts';
import { blockingFreezes } from '../rules/calendar.ts';
import type { GateVerdict } from './run-host.ts';

export function windowVerdict(
  change: { window: { start: string; end: string }; type: 'standard' | 'normal' | 'emergency' },
  calendar: CalendarDocument | undefined,
  now: Date,
  spanMs = 0,
): GateVerdict {
  const t = now.getTime();
  const start = Date.parse(change.window.start);
  const end = Date.parse(change.window.end);
  if (!(t >= start && t < end)) return { ok: false, code: 'window_closed', reason: t < start ? `the window opens at ${change.window.start}` : `the window closed at ${change.window.end}` };
  const until = t + Math.max(0, spanMs);
  const seconds = Math.round(spanMs / 1000);
  if (until > end)
    return { ok: false, code: 'window_closed', reason: `the step could run until ${new Date(until).toISOString()} (timeout ${seconds} s), after the window closes at ${change.window.end}` };
  const now1 = calendar ? blockingFreezes(calendar, change.type, t, t + 1)[0] : undefined;
  if (now1) return { ok: false, code: 'window_closed', reason: `freeze '${now1.id}' (${now1.title}) began; it does not allow ${change.type} changes` };
  const later = calendar && until > t + 1 ? blockingFreezes(calendar, change.type, t, until)[0] : undefined;
  if (later)
    return {
      ok: false,
      code: 'window_closed',
      reason: `the step could run until ${new Date(until).toISOString()} (timeout ${seconds} s), into freeze '${later.id}' (${later.title}), which does not allow ${change.type} changes`,
    };
  return { ok: true };
}
