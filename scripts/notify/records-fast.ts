import { hashLine } from '../records/chain.ts';
import { applyNotificationEvent, type NotificationState } from './fold.ts';

/**
 * The fast way through an intact notification record file: every line's seq,
 * prev and hash are checked exactly as the chain verifier does, and only the
 * three fields watch needs (type, key, channel) are read, by pattern, without
 * parsing the JSON; a `failed` line (rare) is parsed whole for its scope and
 * fingerprint. Anything unusual returns undefined, nothing is folded, and the
 * caller takes the full verifier, which names every problem. A test holds
 * both paths equal. Pure.
 */
// Fields without escapes only: a line with a backslash in them declines the fast path (the verifier decides).
const HEAD = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})","at":"[^"\\]*","type":"notification\.(sending|sent|failed)","key":"([^"\\]*)","channel":"([^"\\]*)"/;
/** `,"hash":"<64 hex>"}`: the last 75 characters of every line. */
const SUFFIX = ',"hash":"';
const SUFFIX_LENGTH = SUFFIX.length + 64 + 2;

type Event = Parameters<typeof applyNotificationEvent>[1];
const SENDING = 0;
const SENT = 1;
const FAILED = 2;

/** `only`: fold only the keys of these incidents (`INC-…/duty/stage`); a send that succeeded lifts its channel's block whatever the incident. */
export function foldNotificationFileFast(text: string, into: NotificationState, only?: (incident: string) => boolean): { lines: number } | undefined {
  if (text === '') return { lines: 0 };
  if (!text.endsWith('\n')) return undefined;
  let prev = '0'.repeat(64);
  // What to fold once the whole file verified: sending and sent as plain fields (most lines), failed lines parsed whole.
  const kinds: number[] = [];
  const keys: string[] = [];
  const channels: string[] = [];
  const failed = new Map<number, Event>();
  let start = 0;
  let n = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end);
    start = end + 1;
    n++;
    const m = HEAD.exec(line);
    const cut = line.length - SUFFIX_LENGTH;
    if (!m || cut <= 0 || !line.startsWith(SUFFIX, cut) || !line.endsWith('"}') || Number(m[1]) !== n || m[2] !== prev) return undefined;
    const hash = line.slice(cut + SUFFIX.length, line.length - 2);
    if (hashLine(line.slice(0, cut) + '}') !== hash) return undefined; // a digest is 64 hex characters, so equal means well-formed too
    prev = hash;
    const kind = m[3] === 'sending' ? SENDING : m[3] === 'sent' ? SENT : FAILED;
    if (kind === FAILED) failed.set(kinds.length, JSON.parse(line) as Event);
    kinds.push(kind);
    keys.push(m[4]!);
    channels.push(m[5]!);
  }
  // The same fold as applyNotificationEvent, which the parity test holds it to.
  for (let i = 0; i < kinds.length; i++) {
    const key = keys[i]!;
    const wanted = !only || only(key.slice(0, key.indexOf('/')));
    if (kinds[i] === SENDING) {
      if (wanted) into.keys.set(`${key}@${channels[i]}`, 'in-doubt');
    } else if (kinds[i] === SENT) {
      if (wanted) into.keys.set(`${key}@${channels[i]}`, 'sent');
      if (into.blocked.size) into.blocked.delete(channels[i]!);
    } else applyNotificationEvent(into, failed.get(i)!, only);
  }
  return { lines: n };
}
