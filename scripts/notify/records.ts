import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { verifyChain, type ChainProblem, type RecordLine } from '../records/chain.ts';
import type { ChannelBlock, ChannelFingerprint } from './channel-state.ts';
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
  scope?: 'channel' | 'message';
  fingerprint?: ChannelFingerprint;
  error?: { code: string; message: string };
}

export function notificationFile(nowMs: number, zone: string): string {
  return `${NOTIFICATION_DIR}/${DateTime.fromMillis(nowMs, { zone }).toFormat('yyyy-MM')}.jsonl`;
}

/** What the records say about every key and channel, folded in order. */
export interface NotificationState {
  /** The last status of every key@channel. */
  keys: Map<string, NotificationStatus>;
  /** key@channel whose message the robot refused for good, with the channel's fingerprint at the time. */
  rejected: Map<string, ChannelFingerprint>;
  /** Channels whose last permanent refusal was about the channel itself, until a send on it succeeds. */
  blocked: Map<string, ChannelBlock>;
}

export function emptyNotificationState(): NotificationState {
  return { keys: new Map(), rejected: new Map(), blocked: new Map() };
}

type FoldLine = Pick<RecordLine, 'type'> & { key?: unknown; channel?: unknown; at?: unknown; permanent?: unknown; scope?: unknown; fingerprint?: unknown; error?: unknown };

const isFingerprint = (v: unknown): v is ChannelFingerprint => !!v && typeof v === 'object' && typeof (v as ChannelFingerprint).config === 'string' && typeof (v as ChannelFingerprint).secrets === 'string';

/**
 * Folds one event into the state. `only`: keep the keys of these incidents
 * alone (watch needs the open ones); what a channel's block depends on is
 * folded whatever the incident. Pure.
 */
export function applyNotificationEvent(state: NotificationState, l: FoldLine, only?: (incident: string) => boolean): void {
  if (typeof l.key !== 'string' || typeof l.channel !== 'string') return;
  const id = `${l.key}@${l.channel}`;
  const wanted = !only || only(l.key.slice(0, l.key.indexOf('/')));
  if (l.type === 'notification.sending') {
    if (wanted) state.keys.set(id, 'in-doubt');
  } else if (l.type === 'notification.sent') {
    if (wanted) state.keys.set(id, 'sent');
    state.blocked.delete(l.channel);
  } else if (l.type === 'notification.failed') {
    if (wanted) state.keys.set(id, 'failed');
    state.rejected.delete(id);
    // Records written before scopes and fingerprints existed stay retried, as they were.
    if (l.permanent !== true || !isFingerprint(l.fingerprint)) return;
    const fingerprint = { config: l.fingerprint.config, secrets: l.fingerprint.secrets };
    if (wanted) state.rejected.set(id, fingerprint);
    if (l.scope === 'channel') {
      const e = (l.error ?? {}) as { code?: unknown; message?: unknown };
      state.blocked.set(l.channel, { at: String(l.at ?? ''), key: l.key, code: String(e.code ?? 'unknown'), message: String(e.message ?? ''), fingerprint });
    }
  }
}

/** The state after every line, in order. Pure. */
export function foldNotifications(lines: Iterable<FoldLine>, state = emptyNotificationState(), only?: (incident: string) => boolean): NotificationState {
  for (const l of lines) applyNotificationEvent(state, l, only);
  return state;
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
