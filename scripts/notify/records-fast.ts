import { hashLine } from '../records/chain.ts';
import type { NotificationStatus } from './records.ts';

/**
 * The fast way through an intact notification record file: every line's seq,
 * prev and hash are checked exactly as the chain verifier does, and only the
 * three fields watch needs (type, key, channel) are read, by pattern, without
 * parsing the JSON. Anything unusual returns undefined and the caller takes
 * the full verifier, which names every problem. A test holds both paths
 * equal. Pure.
 */
const HEAD = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})","at":"(?:[^"\\]|\\.)*","type":"(notification\.(?:sending|sent|failed))","key":"((?:[^"\\]|\\.)*)","channel":"((?:[^"\\]|\\.)*)"/;
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export function foldNotificationFileFast(text: string, into: Map<string, NotificationStatus>): { lines: number } | undefined {
  if (text === '') return { lines: 0 };
  if (!text.endsWith('\n')) return undefined;
  const lines = text.split('\n');
  lines.pop();
  let prev = '0'.repeat(64);
  const updates: [string, NotificationStatus][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = HEAD.exec(line);
    const h = HASH_SUFFIX.exec(line);
    if (!m || !h || Number(m[1]) !== i + 1 || m[2] !== prev) return undefined;
    if (hashLine(line.slice(0, h.index) + '}') !== h[1]) return undefined;
    prev = h[1]!;
    if (m[4]!.includes('\\') || m[5]!.includes('\\')) return undefined;
    updates.push([`${m[4]}@${m[5]}`, m[3] === 'notification.sending' ? 'in-doubt' : m[3] === 'notification.sent' ? 'sent' : 'failed']);
  }
  for (const [k, s] of updates) into.set(k, s);
  return { lines: lines.length };
}
