/**
 * converge backup's pure decisions: cron → systemd calendar and the cron
 * fallback's guard, what restic cannot honour, what a host gets, the init
 * waves, drift as inspection rows, and that no secret reaches a record.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { BackupPolicyDocument } from '../../scripts/model/documents.generated.ts';
import { desiredStateHash, planBackupHost, planInitWaves, recordedPolicy } from '../../scripts/converge/backup-plan.ts';
import { renderBackup } from '../../scripts/converge/backup-render.ts';
import { displayRepository, renderResticEnvFile, resticForgetArgv } from '../../scripts/converge/backup-restic.ts';
import { fileDrift, parseBackupOutput, policyFindings } from '../../scripts/converge/backup-report.ts';
import { backupRows } from '../../scripts/converge/backup-rows.ts';
import { cronGuard, parseCron, toOnCalendar, type CronSpec } from '../../scripts/converge/backup-schedule.ts';
import { renderBackupScript } from '../../scripts/converge/backup-script.ts';
import { validateBackupPolicy } from '../../scripts/converge/backup-validate.ts';

const SECRET = 'hunter2-very-secret';
const policy = (fields: Partial<BackupPolicyDocument> = {}): BackupPolicyDocument =>
  ({
    id: 'db',
    title: 'db',
    targets: { groups: ['db'] },
    paths: ['/var/backups/db'],
    tool: 'restic',
    repository: { url: '/srv/restic/db', password_env: 'RESTIC_PASSWORD_DB' },
    offhost: { host: 'bk' },
    encryption: true,
    schedule: { full: '0 2 * * 0', incremental: '0 2 * * 1-6' },
    retention: { keep_daily: 14, keep_weekly: 8 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
    ...fields,
  }) as BackupPolicyDocument;
const spec = (text: string): CronSpec => {
  const r = parseCron(text);
  if (!r.ok) throw new Error(r.message);
  return r.spec;
};
const host = (id: string, groups = ['db']) => ({ id, data: { groups } });

describe('cron schedules as systemd calendars', () => {
  it.each([
    ['0 2 * * 0', ['Sun *-*-* 02:00:00 Asia/Shanghai']],
    ['0 2 * * 1-6', ['Mon..Sat *-*-* 02:00:00 Asia/Shanghai']],
    ['0 2 * * 7', ['Sun *-*-* 02:00:00 Asia/Shanghai']],
    ['30 3 1 * *', ['*-*-01 03:30:00 Asia/Shanghai']],
    ['*/15 * * * *', ['*-*-* *:00,15,30,45:00 Asia/Shanghai']],
    ['@daily', ['*-*-* 00:00:00 Asia/Shanghai']],
    ['0 4 1,15 jan-mar sat', ['Sat *-01..03-* 04:00:00 Asia/Shanghai', '*-01..03-01,15 04:00:00 Asia/Shanghai']],
  ])('%s', (cron, want) => {
    expect(toOnCalendar(spec(cron), 'Asia/Shanghai')).toEqual(want);
  });

  it.each(['61 2 * * *', '0 2 * *', '0 2 L * *', '@reboot', '0 2 * * 8', '0 5-2 * * *', '@fortnightly'])('refuses %s', (cron) => {
    expect(parseCron(cron).ok).toBe(false);
  });

  // The cron fallback fires hourly at the minutes and the guard decides in the policy's zone: run the guard in a real sh.
  const fires = (cron: string, at: string) => {
    const guard = cronGuard(spec(cron));
    const script = `og_in() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }\nset -- ${at}\nif ${guard}; then echo yes; else echo no; fi`;
    return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).trim() === 'yes';
  };
  it.each([
    ['0 2 * * 0', '00 02 07 06 0', true],
    ['0 2 * * 0', '00 02 08 06 1', false],
    ['0 2 * * 0', '00 03 07 06 0', false],
    ['0 2 * * 1-6', '00 02 08 06 1', true],
    // vixie cron: day of month OR day of week when both are restricted.
    ['0 4 1 * 6', '00 04 01 06 2', true],
    ['0 4 1 * 6', '00 04 06 06 6', true],
    ['0 4 1 * 6', '00 04 02 06 2', false],
    ['30 3 * * *', '30 03 11 11 3', true],
  ] as const)('guard of %s at "%s" → %s', (cron, at, want) => {
    expect(fires(cron, at)).toBe(want);
  });
});

describe('validateBackupPolicy', () => {
  const codes = (fields: Partial<BackupPolicyDocument>) => validateBackupPolicy(policy(fields)).map((p) => `${p.code} ${p.pointer}`);
  it('accepts the sample shape', () => {
    expect(codes({})).toEqual([]);
  });
  it.each([
    [{ schedule: { full: '0 2 * * 0', incremental: '0 2 * * 1-6', differential: '0 3 * * 1-6' } }, ['backup.restic-differential /schedule/differential']],
    [{ schedule: { full: '0 2 * * *', incremental: '0 2 * * 1-6' } }, ['backup.schedule-overlap /schedule/incremental']],
    [{ schedule: { full: '0 2 30 2 *' } }, ['backup.schedule-never /schedule/full']],
    [{ schedule: { full: '0 25 * * *' } }, ['backup.schedule-invalid /schedule/full']],
    [{ retention: { keep_daily: 0 } }, ['backup.retention-empty /retention']],
    [{ encryption: false }, ['backup.restic-unencrypted /encryption']],
    [{ tags: ['full'], full: { distinct_copies: true } }, ['backup.full-tag /tags']],
    [{ full: { read_data_subset: '10%' } }, ['backup.read-data-subset-moved /full/read_data_subset']],
    [{ full: { read_data_subset: '10%' }, verification: { restore_test_every_days: 30, read_data_subset: '2%' } }, ['backup.read-data-subset-moved /full/read_data_subset']],
    [
      { repository: { url: '/srv/x', password_env: 'P', credentials: { RESTIC_PASSWORD: 'X', LD_PRELOAD: 'Y', AWS_ACCESS_KEY_ID: 'Z' } } },
      ['backup.credential-name /repository/credentials/RESTIC_PASSWORD', 'backup.credential-name /repository/credentials/LD_PRELOAD'],
    ],
    [
      {
        hooks: {
          pre: [{ id: 'a', kind: 'run', argv: ['-rf'] }],
          post: [
            { id: 'a', kind: 'remove', path: '/etc' },
            { id: 'b', kind: 'remove', path: '/var/x/../../etc' },
          ],
        },
      },
      ['backup.hook-argv /hooks/pre/0/argv/0', 'backup.hook-duplicate /hooks/post/0/id', 'backup.hook-path /hooks/post/0/path', 'backup.hook-path /hooks/post/1/path'],
    ],
  ] as Array<[Partial<BackupPolicyDocument>, string[]]>)('%j', (fields, want) => {
    expect(codes(fields)).toEqual(want);
  });
});

describe('renderBackup', () => {
  const secret = (n: string) => (n === 'RESTIC_PASSWORD_DB' || n === 'S3_KEY' ? SECRET : undefined);
  const p = policy({ repository: { url: 's3:https://u:pw@s3.example/b', password_env: 'RESTIC_PASSWORD_DB', credentials: { AWS_SECRET_ACCESS_KEY: 'S3_KEY' } }, tags: ['db'] });
  const r = renderBackup({ host: 'db-1', policy: p, repository: p.repository.url, passwordEnv: 'RESTIC_PASSWORD_DB', timezone: 'Asia/Shanghai' }, secret);

  it('puts secrets only in the two root-only files', () => {
    for (const f of [...r.common, ...r.systemd, ...r.cron]) {
      expect(f.content.includes(SECRET)).toBe(f.secret);
      if (f.secret) expect(f.mode).toBe('600');
    }
    expect(r.common.find((f) => f.role === 'password')!.content).toBe(SECRET);
    expect(r.envNames).toEqual(['RESTIC_REPOSITORY', 'RESTIC_PASSWORD_FILE', 'RESTIC_CACHE_DIR', 'AWS_SECRET_ACCESS_KEY']);
  });
  it('records no secret and no hash of one; the state hash does not move with the secret', () => {
    const rec = JSON.stringify(recordedPolicy(r));
    expect(rec).not.toContain(SECRET);
    expect(rec).not.toContain(':pw@');
    const other = renderBackup({ host: 'db-1', policy: p, repository: p.repository.url, passwordEnv: 'RESTIC_PASSWORD_DB', timezone: 'Asia/Shanghai' }, () => 'another');
    expect(desiredStateHash(other)).toBe(desiredStateHash(r));
  });
  it('systemd units: calendar in the zone, Persistent, delay, Nice, IOSchedulingClass', () => {
    const timer = r.systemd.find((f) => f.path.endsWith('db.incremental.timer'))!.content;
    expect(timer).toContain('OnCalendar=Mon..Sat *-*-* 02:00:00 Asia/Shanghai\nPersistent=true\nRandomizedDelaySec=0\n');
    const service = r.systemd.find((f) => f.path.endsWith('db.full.service'))!.content;
    expect(service).toContain('ExecStart=/bin/sh /etc/opsgate/backup/db.run full\nNice=10\nIOSchedulingClass=idle\n');
  });
  it('a missing secret is named and its file is not compared', () => {
    const m = renderBackup({ host: 'db-1', policy: p, repository: p.repository.url, passwordEnv: 'RESTIC_PASSWORD_DB', timezone: 'UTC' }, () => undefined);
    expect(m.missingSecrets).toEqual(['S3_KEY', 'RESTIC_PASSWORD_DB']);
    expect(m.common.find((f) => f.role === 'password')!.unknown).toBe(true);
  });
  it('the host script carries the password only base64-encoded, never as a word', () => {
    const script = renderBackupScript([r], { mode: 'apply', scope: 'all' });
    expect(script).not.toContain(SECRET);
  });
  it('a full run reads back what verification.read_data_subset says (the value backup verify reads), else 5%', () => {
    const job = (fields: Partial<BackupPolicyDocument>) => {
      const q = policy(fields);
      return renderBackup({ host: 'db-1', policy: q, repository: q.repository.url, passwordEnv: 'RESTIC_PASSWORD_DB', timezone: 'UTC' }, () => SECRET);
    };
    expect(job({ verification: { restore_test_every_days: 30, read_data_subset: '2/7' } }).commands.check).toEqual(['restic', 'check', '--read-data-subset=2/7']);
    expect(job({}).commands.check).toEqual(['restic', 'check', '--read-data-subset=5%']);
    // The refused field is never what runs, even when lint is bypassed.
    expect(job({ full: { read_data_subset: '90%' } }).commands.check).toEqual(['restic', 'check', '--read-data-subset=5%']);
  });
  it('forget is limited to the host and the policy tags; distinct full copies are a group of their own', () => {
    expect(resticForgetArgv({ host: 'db-1', tags: ['db', 'x'], retention: { keep_daily: 7, keep_weekly: 0 }, groupByTags: true })).toEqual([
      'restic',
      'forget',
      '--prune',
      '--host',
      'db-1',
      '--tag',
      'db,x',
      '--keep-daily',
      '7',
      '--group-by',
      'host,paths,tags',
    ]);
  });
  it('the environment file refuses values it cannot quote', () => {
    expect(() => renderResticEnvFile('#', [['A', "it's"]])).toThrow(/single quote/);
    expect(displayRepository('rest:https://user:secret@host/repo')).toBe('rest:https://user:***@host/repo');
  });
});

describe('planInitWaves', () => {
  const hosts = ['a', 'b', 'c'].map((id) => host(id));
  it('without init: one wave', () => {
    expect(planInitWaves(hosts, [policy()]).map((w) => w.map((h) => h.id))).toEqual([['a', 'b', 'c']]);
  });
  it('one shared repository that may be created: one host first, the rest after', () => {
    expect(planInitWaves(hosts, [policy({ repository: { url: '/r', password_env: 'P', init: true } })]).map((w) => w.map((h) => h.id))).toEqual([['a'], ['b', 'c']]);
  });
  it('per-host repositories: no waiting', () => {
    const own = hosts.map((h) => ({ id: h.id, data: { groups: ['db'], backup_repositories: [{ policy: 'db', repository: `/r/${h.id}`, password_env: 'P' }] } }));
    expect(planInitWaves(own, [policy({ repository: { url: '/r', password_env: 'P', init: true } })]).map((w) => w.map((h) => h.id))).toEqual([['a', 'b', 'c']]);
  });
});

describe('drift as inspection rows', () => {
  const r = planBackupHost(host('db-1'), [policy()], 'UTC', () => SECRET)[0]!;
  const want = (role: string) => [...r.common, ...r.cron].find((f) => f.role === role)!.content;
  it('fileDrift names the aspect a person recognises', () => {
    expect(fileDrift('run', want('run').replace('--keep-daily 14', '--keep-daily 3'), want('run')).map((d) => d.aspect)).toEqual(['retention']);
    expect(fileDrift('run', want('run').replace(' -- /var/backups/db', ' -- /var/other'), want('run')).map((d) => d.aspect)).toEqual(['paths']);
    expect(fileDrift('cron', want('cron').replaceAll('\n0 * * * * root', '\n5 * * * * root'), want('cron')).map((d) => d.aspect)).toEqual(['schedule']);
    expect(fileDrift('run', `${want('run')}# local edit\n`, want('run')).map((d) => d.aspect)).toEqual(['job']);
  });
  it('rows: mode, repository and a failed last run', () => {
    const out = [
      'OG\tfile\tdb\tenv\t/etc/opsgate/backup/db.env\tsame\t644\t0:0',
      'OG\tenv\tdb\tRESTIC_REPOSITORY\tdiffers',
      'OG\trepo\tdb\tok\t',
      'OG\tlast-run\tdb\tfailed\t2026-11-29T18:00:00Z\tfull\t3',
    ].join('\n');
    const rows = backupRows('db-1', policyFindings(parseBackupOutput(out), r));
    const failing = rows.filter((x) => x.status === 'fail').map((x) => x.check);
    expect(failing).toEqual(['backup.db.repository', 'backup.db.secret-files', 'backup.db.last-run']);
    expect(rows.every((x) => x.baseline === 'backup-policy:db' && x.host === 'db-1')).toBe(true);
  });
  it('a repository that cannot be opened is a failed row, a missing password an error', () => {
    const row = (state: string) => backupRows('db-1', policyFindings(parseBackupOutput(`OG\trepo\tdb\t${state}\tmsg`), r)).find((x) => x.check === 'backup.db.repository')!.status;
    expect(row('missing')).toBe('fail');
    expect(row('password')).toBe('fail');
    expect(row('unknown')).toBe('error');
    expect(row('ok')).toBe('pass');
  });
});
