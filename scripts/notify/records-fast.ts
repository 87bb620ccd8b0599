import { hashLine } from '../records/chain.ts';
import { applyNotificationEvent, type NotificationState } from './records.ts';

/**
 * The fast way through an intact notification record file: every line's seq,
 * prev and hash are checked exactly as the chain verifier does, and only the
 * three fields watch needs (type, key, channel) are read, by pattern, without
 * parsing the JSON; a `failed` line (rare) is parsed whole for its scope and
 * fingerprint. Anything unusual returns undefined, nothing is folded, and the
 * caller takes the full verifier, which names every problem. A test holds
 * both paths equal. Pure.
 */
const HEAD = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})","at":"(?:[^"\\]|\\.)*","type":"(notification\.(?:sending|sent|failed))","key":"((?:[^"\\]|\\.)*)","channel":"((?:[^"\\]|\\.)*)"/;
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

type Event = Parameters<typeof applyNotificationEvent>[1];

export function foldNotificationFileFast(text: string, into: NotificationState): { lines: number } | undefined {
  if (text === '') return { lines: 0 };
  if (!text.endsWith('\n')) return undefined;
  const lines = text.split('\n');
  lines.pop();
  let prev = '0'.repeat(64);
  const events: Event[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = HEAD.exec(line);
    const h = HASH_SUFFIX.exec(line);
    if (!m || !h || Number(m[1]) !== i + 1 || m[2] !== prev) return undefined;
    if (hashLine(line.slice(0, h.index) + '}') !== h[1]) return undefined;
    prev = h[1]!;
    if (m[4]!.includes('\\') || m[5]!.includes('\\')) return undefined;
    const type = m[3] as Event['type'];
    events.push(type === 'notification.failed' ? (JSON.parse(line) as Event) : { type, key: m[4], channel: m[5] });
  }
  for (const e of events) applyNotificationEvent(into, e);
  return { lines: lines.length };
}
