import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Signals by number only while the number still names what a test started.
 *
 * Once a process has been reaped its PID — and, once its group is empty, its group's number — can be handed to
 * any new process: pid_max is 32768 on the CI machine and a full suite starts tens of thousands of processes, so
 * a second `kill(-pid)` at teardown hit another test's step runner (its `setsid timeout` leads a group) and that
 * step reported `ended` instead of `timed_out`.
 */

/** The kernel's start time of `pid` (field 22 of /proc/PID/stat, clock ticks since boot), or undefined when there is none. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Signals `pid` only if it is still the process that started at `startTime`; true when it was signalled. */
export function signalSameProcess(pid: number, startTime: string | undefined, signal: NodeJS.Signals): boolean {
  if (!(pid > 0) || startTime === undefined || startTimeOf(pid) !== startTime) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signals the process group a detached child leads (signal 0: asks whether it still has members). After Node has
 * reaped the leader, the group's number stays reserved only while members remain; a live /proc/PID then means the
 * number was reused by someone else, and our group is empty.
 */
export function signalChildGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  const pid = child.pid;
  if (!pid) return false;
  const reaped = child.exitCode !== null || child.signalCode !== null;
  if (reaped && existsSync(`/proc/${pid}`)) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
