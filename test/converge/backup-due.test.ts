/**
 * The schedule's converge of backup jobs: a host is due when the policies now
 * declare another state for it than the records say it was converged to; a
 * failed attempt at the same state waits for a person; an unreachable one is
 * tried again; a window-bound host waits for its window. Pure, clock injected.
 */
import { describe, expect, it } from 'vitest';
import type { BackupPolicyDocument, CalendarDocument, HostDocument } from '../../scripts/model/documents.generated.ts';
import { convergedState, declaredState, selectDueBackup, type BackupAttempt } from '../../scripts/converge/backup-due.ts';

const host = (id: string, groups: string[], env: 'prod' | 'staging' = 'prod') => ({ id, data: { id, groups, env } as unknown as HostDocument });
const policy = (id: string, groups: string[], fields: Partial<BackupPolicyDocument> = {}): BackupPolicyDocument =>
  ({
    id,
    title: id,
    targets: { groups },
    paths: ['/srv/data'],
    tool: 'restic',
    repository: { url: `/srv/restic/${id}`, password_env: 'P' },
    offhost: { host: 'bk' },
    encryption: true,
    schedule: { full: '0 2 * * 0' },
    retention: { keep_daily: 7 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
    ...fields,
  }) as BackupPolicyDocument;
const calendar = {
  id: 'calendar',
  timezone: 'UTC',
  maintenance_windows: [{ id: 'night', title: 'night', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '23:00' }],
} as CalendarDocument;
const NOON = new Date('2026-11-30T12:00:00Z');
const TZ = 'UTC';

const db = host('db-1', ['db']);
const web = host('web-1', ['web']);
const lone = host('app-1', ['app']);
const hosts = [db, web, lone];
const pDb = policy('db', ['db']);
const pWeb = policy('web', ['web']);
const state = (h: typeof db, ps: BackupPolicyDocument[]) => declaredState(h, ps, TZ);
const attempt = (h: typeof db, ps: BackupPolicyDocument[], outcome = 'succeeded', run = 'r1', scope: BackupAttempt['scope'] = 'all'): BackupAttempt => ({
  run,
  host: h.id,
  outcome,
  scope,
  state: state(h, ps),
});
const select = (policies: BackupPolicyDocument[], attempts: BackupAttempt[], now = NOON) => selectDueBackup({ hosts, policies, timezone: TZ, calendar, now, spanMs: 300_000, attempts });

describe('selectDueBackup', () => {
  it('never converged: the hosts a policy targets are due; a host no policy targets is not', () => {
    const w = select([pDb, pWeb], []);
    expect(w.due).toEqual(['db-1', 'web-1']);
    expect(w.why['db-1']).toBe('never converged; declared: db');
  });

  it('converged to what is declared: nothing due', () => {
    expect(select([pDb, pWeb], [attempt(db, [pDb]), attempt(web, [pWeb])])).toEqual({ due: [], waiting: [], personDecides: [], why: {} });
  });

  it.each([
    ['retention edited', [policy('db', ['db'], { retention: { keep_daily: 3 } }), pWeb], 'db changed'],
    ['schedule edited', [policy('db', ['db'], { schedule: { full: '0 3 * * 0' } }), pWeb], 'db changed'],
    ['a second policy now targets the host', [pDb, pWeb, policy('logs', ['db', 'web'])], 'logs added'],
    ['the policy no longer targets the host', [policy('db', ['other']), pWeb], 'db removed'],
  ])('%s: the host is due, and says why', (_, policies, why) => {
    const w = select(policies, [attempt(db, [pDb]), attempt(web, [pWeb])]);
    expect(w.due).toContain('db-1');
    expect(w.why['db-1']).toBe(why);
  });

  it('a secret value is not state: converged hosts stay in line whatever the runner holds', () => {
    expect(state(db, [pDb])).toEqual(declaredState(db, [pDb], TZ));
  });

  it('a failed attempt at exactly the declared state waits for a person; an unreachable one is tried again', () => {
    const edited = [policy('db', ['db'], { retention: { keep_daily: 3 } }), pWeb];
    const base = [attempt(db, [pDb]), attempt(web, [pWeb])];
    const failed = select(edited, [...base, attempt(db, edited, 'failed', 'r2')]);
    expect(failed.due).toEqual([]);
    expect(failed.personDecides).toEqual([{ host: 'db-1', run: 'r2', outcome: 'failed' }]);
    expect(select(edited, [...base, attempt(db, edited, 'unreachable', 'r2')]).due).toEqual(['db-1']);
    // A further edit after the failure is new work for the schedule.
    expect(select([policy('db', ['db'], { retention: { keep_daily: 4 } }), pWeb], [...base, attempt(db, edited, 'failed', 'r2')]).due).toEqual(['db-1']);
    // A refusal by the window is no attempt.
    expect(select(edited, [...base, { run: 'r3', host: 'db-1', outcome: 'not_started', scope: 'all', state: {} }]).due).toEqual(['db-1']);
  });

  it('a run over some policies replaces only those in the converged state', () => {
    const logs = policy('logs', ['db']);
    const m = convergedState([attempt(db, [pDb, logs]), { run: 'r2', host: 'db-1', outcome: 'succeeded', scope: ['logs'], state: {} }]);
    expect(Object.keys(m.get('db-1')!)).toEqual(['db']);
    const w = select([pDb, logs, pWeb], [attempt(db, [pDb, logs]), attempt(web, [pWeb]), attempt(db, [logs], 'succeeded', 'r2', ['logs'])]);
    expect(w.due).toEqual([]);
  });

  it('a due host a window-bound policy targets waits for its window, named; inside it, it is due', () => {
    const bound = [policy('db', ['db'], { converge: { maintenance_window: true } }), pWeb];
    const w = select(bound, [attempt(web, [pWeb])]);
    expect(w.due).toEqual([]);
    expect(w.waiting.map((x) => [x.host, x.verdict.next?.start])).toEqual([['db-1', '2026-11-30T22:00:00Z']]);
    expect(select(bound, [attempt(web, [pWeb])], new Date('2026-11-30T22:10:00Z')).due).toEqual(['db-1']);
  });
});
