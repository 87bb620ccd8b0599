import type { RecordLine } from '../records/chain.ts';
import type { ChannelBlock, ChannelFingerprint } from './channel-state.ts';

/**
 * What the notification records say, folded line by line: the one fold both
 * the verifier's path and the fast path use (records.ts, records-fast.ts).
 * Pure.
 */
export type NotificationStatus = 'sent' | 'failed' | 'in-doubt';

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

export type FoldLine = Pick<RecordLine, 'type'> & { key?: unknown; channel?: unknown; at?: unknown; permanent?: unknown; scope?: unknown; fingerprint?: unknown; error?: unknown };

const isFingerprint = (v: unknown): v is ChannelFingerprint =>
  !!v && typeof v === 'object' && typeof (v as ChannelFingerprint).config === 'string' && typeof (v as ChannelFingerprint).secrets === 'string';

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
