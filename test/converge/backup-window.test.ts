/**
 * converge.maintenance_window: a host that a window-bound policy targets is
 * changed only inside one of its maintenance windows, with the whole run
 * inside it, outside blocking freezes; a refusal names the next window. The
 * clock is injected.
 */
import { describe, expect, it } from 'vitest';
import type { BackupPolicyDocument, CalendarDocument, HostDocument } from '../../scripts/model/documents.generated.ts';
import { backupWindowVerdict, describeWindowRefusal } from '../../scripts/converge/backup-window.ts';

const calendar: CalendarDocument = {
  id: 'calendar',
  timezone: 'Asia/Shanghai',
  maintenance_windows: [
    { id: 'prod-weeknight', title: 'prod', days: ['tue', 'thu'], start: '22:00', end: '02:00', workdays_only: true, applies_to: { envs: ['prod'] } },
    { id: 'staging-daytime', title: 'staging', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', applies_to: { envs: ['staging'] } },
  ],
  freezes: [{ id: 'double-eleven', title: '双十一', start: '2026-11-09T00:00:00+08:00', end: '2026-11-12T23:59:59+08:00', allow_types: ['emergency'], reason: '大促' }],
} as CalendarDocument;

const host = (id: string, env: 'prod' | 'staging', groups = ['db']) => ({
  id,
  data: { id, address: '10.0.0.1', user: 'opsgate', host_keys: [], groups, env, criticality: 'high', owner_team: 'ops', os: 'debian-12' } as unknown as HostDocument,
});
const policy = (id: string, bound: boolean | undefined, groups = ['db']): BackupPolicyDocument =>
  ({
    id,
    title: id,
    targets: { groups },
    paths: ['/var/backups/db'],
    tool: 'restic',
    repository: { url: '/srv/restic/db', password_env: 'P' },
    offhost: { host: 'bk' },
    encryption: true,
    schedule: { full: '0 2 * * 0' },
    retention: { keep_daily: 7 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
    ...(bound === undefined ? {} : { converge: { maintenance_window: bound } }),
  }) as BackupPolicyDocument;
const SPAN = 300_000;
const verdict = (now: string, o: { env?: 'prod' | 'staging'; policies?: BackupPolicyDocument[]; cal?: CalendarDocument | undefined } = {}) =>
  backupWindowVerdict({ calendar: 'cal' in o ? o.cal : calendar, host: host('db-01', o.env ?? 'prod'), policies: o.policies ?? [policy('db-mysql', true)], now: new Date(now), spanMs: SPAN });

describe('backupWindowVerdict', () => {
  it.each([
    ['no policy says converge.maintenance_window', { policies: [policy('db-mysql', undefined), policy('other', false)] }],
    ['a window-bound policy that does not target the host', { policies: [policy('web', true, ['web'])] }],
  ])('%s: any time will do', (_, o) => {
    expect(verdict('2026-11-30T12:00:00+08:00', o)).toEqual({ ok: true });
  });

  it("inside the host's window (Tuesday 23:00 in Shanghai, a workday): converged, the window named", () => {
    expect(verdict('2026-12-01T23:00:00+08:00')).toEqual({ ok: true, window: 'prod-weeknight' });
  });

  it("outside every window: refused, the next window named in the calendar's zone", () => {
    const v = verdict('2026-11-30T12:00:00+08:00');
    expect(v).toMatchObject({
      ok: false,
      code: 'converge.outside-window',
      policies: ['db-mysql'],
      next: { window: 'prod-weeknight', start: '2026-12-01T22:00:00+08:00', end: '2026-12-02T02:00:00+08:00' },
    });
    if (v.ok) throw new Error('unreachable');
    expect(describeWindowRefusal(v)).toBe(
      "not converged: db-mysql says converge.maintenance_window: no maintenance window of db-01 is open at 2026-11-30T12:00:00+08:00; next window: 'prod-weeknight' 2026-12-01T22:00:00+08:00 – 2026-12-02T02:00:00+08:00",
    );
  });

  it('the window is open but closes before the run could end: refused, the next occurrence named', () => {
    const v = verdict('2026-12-02T01:58:00+08:00');
    expect(v).toMatchObject({ ok: false, code: 'converge.outside-window', next: { start: '2026-12-03T22:00:00+08:00' } });
    expect(v.ok ? '' : v.reason).toContain("window 'prod-weeknight' closes at 2026-12-02T02:00:00+08:00, before the converge could end (it may run 300 s)");
    // Five minutes earlier the whole run fits.
    expect(verdict('2026-12-02T01:54:00+08:00')).toEqual({ ok: true, window: 'prod-weeknight' });
  });

  it('a freeze that blocks standard changes: refused inside the window; the next window is the first after the freeze', () => {
    const v = verdict('2026-11-10T23:00:00+08:00');
    expect(v).toMatchObject({ ok: false, code: 'converge.freeze', next: { window: 'prod-weeknight', start: '2026-11-17T22:00:00+08:00' } });
    expect(v.ok ? '' : v.reason).toContain("freeze 'double-eleven'");
  });

  it("the host's own windows decide: a staging host converges in the staging daytime window, not the prod one", () => {
    expect(verdict('2026-11-30T12:00:00+08:00', { env: 'staging' })).toEqual({ ok: true, window: 'staging-daytime' });
    expect(verdict('2026-12-01T23:00:00+08:00', { env: 'staging' })).toMatchObject({ ok: false, next: { window: 'staging-daytime', start: '2026-12-02T09:00:00+08:00' } });
  });

  it('no calendar, or no window applying to the host: refused (fails closed), saying so', () => {
    expect(verdict('2026-12-01T23:00:00+08:00', { cal: undefined })).toMatchObject({ ok: false, code: 'converge.no-window' });
    expect(verdict('2026-12-01T23:00:00+08:00', { cal: { ...calendar, maintenance_windows: [calendar.maintenance_windows[1]!] } })).toMatchObject({ ok: false, code: 'converge.no-window' });
  });
});
