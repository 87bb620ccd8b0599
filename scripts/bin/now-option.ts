import { DateTime } from 'luxon';
import { UsageError } from '../model/errors.ts';
import { FIRST_YEAR, inEra } from '../model/era.ts';

/**
 * The global `--now ISO-8601` option: evaluate the repository at a given instant
 * instead of the machine's clock (a frozen snapshot such as the sample organisation,
 * or "what will lint say on the 1st?"). Only the commands that decide from documents
 * and change nothing honour it. Every command that acts or writes evidence refuses it
 * (exit 2): apply and converge would open a maintenance window or step round a freeze,
 * the gate would decide on a date the pull request chose, inspect, backup, incident,
 * handover, incidents and land would write records dated when nothing happened. There is
 * deliberately no environment variable: a variable is inherited unseen by every step of a
 * job, apply included; a flag is on the command line it changes.
 */
export const NOW_COMMANDS: readonly string[] = ['lint', 'plan', 'report', 'demo'];

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant `--now VALUE` names: an ISO 8601 date-time with an explicit offset, or a UsageError. */
export function parseNow(value: string | undefined): Date {
  const hint = 'e.g. --now 2026-12-01T00:00:00+08:00 (a date-time with its offset)';
  if (value === undefined || value === '') throw new UsageError('--now needs a date-time', hint);
  const t = DateTime.fromISO(value, { setZone: true });
  if (!WITH_OFFSET.test(value) || !t.isValid) throw new UsageError(`--now must be an ISO 8601 date-time with offset, not '${value}'`, hint);
  if (!/^\d{4}-/.test(value) || !inEra(value)) throw new UsageError(`--now must be ${FIRST_YEAR} or later, not '${value}'`, hint);
  return t.toJSDate();
}

/** Refuses `--now` for a command that acts on hosts, decides a gate or writes evidence: those run on the real clock. */
export function checkNowAllowed(command: string): void {
  if (NOW_COMMANDS.includes(command)) return;
  throw new UsageError(
    `--now is refused by ${command}: it runs on the real clock (change windows, freezes, approvals and the time of every record are decided at the real time)`,
    `--now only evaluates, for ${NOW_COMMANDS.join(', ')}`,
  );
}
