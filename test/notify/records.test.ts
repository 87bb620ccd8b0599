import { describe, expect, it } from 'vitest';
import { GENESIS, renderRecordLine, verifyChain } from '../../scripts/records/chain.ts';
import { foldNotificationFileFast } from '../../scripts/notify/records-fast.ts';
import { emptyNotificationState, foldNotifications } from '../../scripts/notify/records.ts';

function chain(events: Record<string, unknown>[]): string {
  let head = GENESIS;
  return events
    .map((e, i) => {
      const r = renderRecordLine(head, i + 1, { at: '2026-11-11T00:15:00+08:00', type: String(e.type), ...e });
      head = r.hash;
      return r.text + '\n';
    })
    .join('');
}

const events = [
  { type: 'notification.sending', key: 'INC-2026-0001/open', channel: 'dt', incident: 'INC-2026-0001', recipients: ['alice'] },
  { type: 'notification.sent', key: 'INC-2026-0001/open', channel: 'dt', attempts: 1 },
  { type: 'notification.sending', key: 'INC-2026-0001/update#1/due', channel: 'wc' },
  { type: 'notification.failed', key: 'INC-2026-0001/update#1/due', channel: 'wc', error: { code: 'rate-limited', message: 'WeCom 45009' } },
  { type: 'notification.sending', key: 'INC-2026-0001/supervisor/overdue', channel: 'fs' },
  // Refused for good: the whole channel (a wrong token), and one message (its body).
  { type: 'notification.sending', key: 'INC-2026-0001/open', channel: 'wc2' },
  {
    type: 'notification.failed',
    key: 'INC-2026-0001/open',
    channel: 'wc2',
    permanent: true,
    scope: 'channel',
    fingerprint: { config: 'c1', secrets: 's1' },
    error: { code: 'invalid-webhook', message: 'WeCom 93000' },
  },
  { type: 'notification.sending', key: 'INC-2026-0001/open', channel: 'sl' },
  {
    type: 'notification.failed',
    key: 'INC-2026-0001/open',
    channel: 'sl',
    permanent: true,
    scope: 'message',
    fingerprint: { config: 'c2', secrets: 's2' },
    error: { code: 'http.400', message: 'HTTP 400' },
  },
  // A record from before scopes: retried as it always was.
  { type: 'notification.failed', key: 'INC-2026-0001/report/due', channel: 'dt', permanent: true, error: { code: 'signature-rejected', message: 'DingTalk 310000' } },
];

describe('notification records: the fast path and the verifier agree', () => {
  it('on an intact file, both fold to the same state', () => {
    const text = chain(events);
    const fast = emptyNotificationState();
    expect(foldNotificationFileFast(text, fast)).toEqual({ lines: 10 });
    expect(fast).toEqual(foldNotifications(verifyChain(text).lines));
    expect([...fast.keys]).toEqual([
      ['INC-2026-0001/open@dt', 'sent'],
      ['INC-2026-0001/update#1/due@wc', 'failed'],
      ['INC-2026-0001/supervisor/overdue@fs', 'in-doubt'],
      ['INC-2026-0001/open@wc2', 'failed'],
      ['INC-2026-0001/open@sl', 'failed'],
      ['INC-2026-0001/report/due@dt', 'failed'],
    ]);
    expect([...fast.rejected.keys()]).toEqual(['INC-2026-0001/open@wc2', 'INC-2026-0001/open@sl']);
    expect([...fast.blocked]).toEqual([
      ['wc2', { at: '2026-11-11T00:15:00+08:00', key: 'INC-2026-0001/open', code: 'invalid-webhook', message: 'WeCom 93000', fingerprint: { config: 'c1', secrets: 's1' } }],
    ]);
  });

  it("folding only some incidents' keys: both paths agree, and blocks still follow every line", () => {
    const text = chain([...events, { type: 'notification.sent', key: 'INC-2026-0002/open', channel: 'wc2' }]);
    const only = (id: string) => id === 'INC-2026-0002';
    const fast = emptyNotificationState();
    expect(foldNotificationFileFast(text, fast, only)).toEqual({ lines: 11 });
    expect(fast).toEqual(foldNotifications(verifyChain(text).lines, emptyNotificationState(), only));
    expect([...fast.keys.keys()]).toEqual(['INC-2026-0002/open@wc2']);
    expect(fast.rejected.size).toBe(0);
    expect(fast.blocked.size).toBe(0); // INC-2026-0002's success on wc2 lifted the block INC-2026-0001's refusal set
  });

  it('a later success on the channel lifts its block; a later attempt of the key lifts its rejection', () => {
    const s = foldNotifications([
      ...events,
      { type: 'notification.sent', key: 'INC-2026-0001/x', channel: 'wc2' },
      { type: 'notification.failed', key: 'INC-2026-0001/open', channel: 'sl', permanent: false },
    ]);
    expect(s.blocked.size).toBe(0);
    expect([...s.rejected.keys()]).toEqual(['INC-2026-0001/open@wc2']);
  });

  it.each([
    ['an edited line', (t: string) => t.replace('"attempts":1', '"attempts":2')],
    [
      'a removed line',
      (t: string) =>
        t
          .split('\n')
          .filter((_, i) => i !== 1)
          .join('\n'),
    ],
    ['a cut last line', (t: string) => t.slice(0, -20)],
    ['a key with an escape', (t: string) => chain([{ type: 'notification.sent', key: 'INC-2026-0001/"x"', channel: 'dt' }]) + t.slice(0, 0)],
  ])('%s takes the full verifier (fast path declines, nothing folded)', (_n, mutate) => {
    const fast = emptyNotificationState();
    expect(foldNotificationFileFast(mutate(chain(events)), fast)).toBeUndefined();
    expect(fast).toEqual(emptyNotificationState());
  });
});
