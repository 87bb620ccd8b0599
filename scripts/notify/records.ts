import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { verifyChain, type ChainProblem, type RecordLine } from '../records/chain.ts';
import { foldNotificationFileFast } from './records-fast.ts';

/**
 * records/notifications/YYYY-MM.jsonl (month in the organisation's zone): one
 * hash-chained line per event. `notification.sending` is written and flushed
 * before the request leaves, then `notification.sent` or
 * `notification.failed`. A key whose last event is `sending` was in flight
 * when a run died: it is in doubt and never sent again automatically.
 */
export const NOTIFICATION_DIR = 'records/notifications';

export type NotificationStatus = 'sent' | 'failed' | 'in-doubt';

export interface NotificationEvent {
  type: 'notification.sending' | 'notification.sent' | 'notification.failed';
  at: string;
  key: string;
  channel: string;
  incident?: string;
  duty?: string;
  stage?: string;
  level?: number;
  due_at?: string;
  attempts?: number;
  permanent?: boolean;
  error?: { code: string; message: string };
}

export function notificationFile(nowMs: number, zone: string): string {
  return `${NOTIFICATION_DIR}/${DateTime.fromMillis(nowMs, { zone }).toFormat('yyyy-MM')}.jsonl`;
}

/** The last status of every key@channel. Pure. */
export function foldNotifications(lines: Iterable<Pick<RecordLine, 'type'> & { key?: unknown; channel?: unknown }>): Map<string, NotificationStatus> {
  const state = new Map<string, NotificationStatus>();
  for (const l of lines) {
    if (typeof l.key !== 'string' || typeof l.channel !== 'string') continue;
    const id = `${l.key}@${l.channel}`;
    if (l.type === 'notification.sending') state.set(id, 'in-doubt');
    else if (l.type === 'notification.sent') state.set(id, 'sent');
    else if (l.type === 'notification.failed') state.set(id, 'failed');
  }
  return state;
}

export interface NotificationRecords {
  files: { path: string; lines: number; problems: ChainProblem[] }[];
  /** The last status of every key@channel, oldest file first. */
  state: Map<string, NotificationStatus>;
}

/**
 * Reads and verifies the notification record files from month `fromMonth`
 * (YYYY-MM) on, oldest first: a key can only belong to an incident detected
 * in or after its month. Intact files take the fast path; anything else the
 * full verifier, whose problems stop every send. Edge.
 */
export async function readNotificationRecords(root: string, fromMonth = '0000-00'): Promise<NotificationRecords> {
  const dir = path.join(root, NOTIFICATION_DIR);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f) && f.slice(0, 7) >= fromMonth).sort();
  const texts = await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
  const state = new Map<string, NotificationStatus>();
  const files = names.map((name, i) => {
    const text = texts[i]!;
    const fast = foldNotificationFileFast(text, state);
    if (fast) return { path: `${NOTIFICATION_DIR}/${name}`, lines: fast.lines, problems: [] };
    const v = verifyChain(text);
    for (const [k, s] of foldNotifications(v.lines)) state.set(k, s);
    return { path: `${NOTIFICATION_DIR}/${name}`, lines: v.lines.length, problems: v.problems };
  });
  return { files, state };
}

/** Every event of the files, fully verified (reports and tests). Edge. */
export async function readNotificationEvents(root: string): Promise<{ path: string; lines: RecordLine[]; problems: ChainProblem[] }[]> {
  const dir = path.join(root, NOTIFICATION_DIR);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f)).sort();
  return Promise.all(names.map(async (name) => ({ path: `${NOTIFICATION_DIR}/${name}`, ...verifyChain(await readFile(path.join(dir, name), 'utf8')) })));
}
