import { describe, expect, it } from 'vitest';
import { GENESIS, renderRecordLine, verifyChain } from '../../scripts/records/chain.ts';
import { foldNotificationFileFast } from '../../scripts/notify/records-fast.ts';
import { foldNotifications, type NotificationStatus } from '../../scripts/notify/records.ts';

function chain(events: Record<string, unknown>[]): string {
  let head = GENESIS;
  return events.map((e, i) => {
    const r = renderRecordLine(head, i + 1, { at: '2026-11-11T00:15:00+08:00', type: String(e.type), ...e });
    head = r.hash;
    return r.text + '\n';
  }).join('');
}

const events = [
  { type: 'notification.sending', key: 'INC-2026-0001/open', channel: 'dt', incident: 'INC-2026-0001', recipients: ['alice'] },
  { type: 'notification.sent', key: 'INC-2026-0001/open', channel: 'dt', attempts: 1 },
  { type: 'notification.sending', key: 'INC-2026-0001/update#1/due', channel: 'wc' },
  { type: 'notification.failed', key: 'INC-2026-0001/update#1/due', channel: 'wc', error: { code: 'rate-limited', message: 'WeCom 45009' } },
  { type: 'notification.sending', key: 'INC-2026-0001/supervisor/overdue', channel: 'fs' },
];

describe('notification records: the fast path and the verifier agree', () => {
  it('on an intact file, both fold to the same state', () => {
    const text = chain(events);
    const fast = new Map<string, NotificationStatus>();
    expect(foldNotificationFileFast(text, fast)).toEqual({ lines: 5 });
    expect(fast).toEqual(foldNotifications(verifyChain(text).lines));
    expect([...fast]).toEqual([['INC-2026-0001/open@dt', 'sent'], ['INC-2026-0001/update#1/due@wc', 'failed'], ['INC-2026-0001/supervisor/overdue@fs', 'in-doubt']]);
  });

  it.each([
    ['an edited line', (t: string) => t.replace('"attempts":1', '"attempts":2')],
    ['a removed line', (t: string) => t.split('\n').filter((_, i) => i !== 1).join('\n')],
    ['a cut last line', (t: string) => t.slice(0, -20)],
    ['a key with an escape', (t: string) => chain([{ type: 'notification.sent', key: 'INC-2026-0001/"x"', channel: 'dt' }]) + t.slice(0, 0)],
  ])('%s takes the full verifier (fast path declines, nothing folded)', (_n, mutate) => {
    const fast = new Map<string, NotificationStatus>();
    expect(foldNotificationFileFast(mutate(chain(events)), fast)).toBeUndefined();
    expect(fast.size).toBe(0);
  });
});
