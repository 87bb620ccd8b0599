import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { verifyChain, type ChainProblem, type RecordLine } from '../records/chain.ts';
import type { ChannelFingerprint } from './channel-state.ts';
import { emptyNotificationState, foldNotifications, type NotificationState } from './fold.ts';
import { foldNotificationFileFast } from './records-fast.ts';

/**
 * records/notifications/YYYY-MM.jsonl (month in the organisation's zone): one
 * hash-chained line per event. `notification.sending` is written and flushed
 * before the request leaves, then `notification.sent` or
 * `notification.failed`. A key whose last event is `sending` was in flight
 * when a run died: it is in doubt and never sent again automatically.
 * A `notification.failed` the robot says retrying cannot change carries
 * `permanent: true`, its `scope` (channel or message) and the channel's
 * `fingerprint`: it is not tried again while the channel's configuration is
 * the same.
 */
export { applyNotificationEvent, emptyNotificationState, foldNotifications, type NotificationState, type NotificationStatus } from './fold.ts';

export const NOTIFICATION_DIR = 'records/notifications';

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
  scope?: 'channel' | 'message';
  fingerprint?: ChannelFingerprint;
  error?: { code: string; message: string };
}

export function notificationFile(nowMs: number, zone: string): string {
  return `${NOTIFICATION_DIR}/${DateTime.fromMillis(nowMs, { zone }).toFormat('yyyy-MM')}.jsonl`;
}

export interface NotificationRecords {
  files: { path: string; lines: number; problems: ChainProblem[] }[];
  /** Folded from the files, oldest first. */
  state: NotificationState;
}

/**
 * Reads and verifies the notification record files from month `fromMonth`
 * (YYYY-MM) on, oldest first: a key can only belong to an incident detected
 * in or after its month. Intact files take the fast path; anything else the
 * full verifier, whose problems stop every send. `only`: fold only the keys
 * of these incidents (every line is still verified). Edge.
 */
export async function readNotificationRecords(root: string, fromMonth = '0000-00', only?: (incident: string) => boolean): Promise<NotificationRecords> {
  const dir = path.join(root, NOTIFICATION_DIR);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f) && f.slice(0, 7) >= fromMonth).sort();
  const texts = await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
  const state = emptyNotificationState();
  const files = names.map((name, i) => {
    const text = texts[i]!;
    const fast = foldNotificationFileFast(text, state, only);
    if (fast) return { path: `${NOTIFICATION_DIR}/${name}`, lines: fast.lines, problems: [] };
    const v = verifyChain(text);
    foldNotifications(v.lines, state, only);
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
