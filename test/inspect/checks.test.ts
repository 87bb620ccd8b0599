import { describe, expect, it } from 'vitest';
import { evaluateCheck, evaluateHost } from '../../scripts/inspect/evaluate.ts';
import { factError, factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { Baseline, CheckDef, InspectionRow, InventoryHost, PolicyData } from '../../scripts/inspect/model.ts';
import { applyExceptions, applyLifecycle, selectShard, summarize } from '../../scripts/inspect/results.ts';

const NOW = new Date('2026-11-27T04:00:00Z');
const host: InventoryHost = { id: 'web-01', address: '10.0.0.1', port: 22, user: 'opsgate', host_keys: [], groups: ['web'], env: 'prod' };
const FP = { alice: 'SHA256:alice', bob: 'SHA256:bob', carol: 'SHA256:carol', dave: 'SHA256:dave' };
const policy: PolicyData = {
  people: [
    { id: 'alice', status: 'active', ssh_keys: [{ fingerprint: FP.alice, public_key: 'k' }] },
    { id: 'bob', status: 'left', left_on: '2026-10-31', ssh_keys: [{ fingerprint: FP.bob, public_key: 'k' }] },
    { id: 'carol', status: 'active', ssh_keys: [{ fingerprint: FP.carol, public_key: 'k', expires: '2026-11-01T00:00:00+08:00' }] },
    { id: 'dave', status: 'active', ssh_keys: [{ fingerprint: FP.dave, public_key: 'k' }] },
  ],
  roles: [{ id: 'deployer', unix_account: 'deploy', sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }] }],
  grants: [
    { id: 'g-alice', person: 'alice', role: 'deployer', groups: ['web'], granted_on: '2026-01-01', expires: '2027-01-01T00:00:00+08:00' },
    { id: 'g-carol', person: 'carol', role: 'deployer', groups: ['web'], granted_on: '2026-01-01', expires: '2027-01-01T00:00:00+08:00' },
    { id: 'g-dave', person: 'dave', role: 'deployer', hosts: ['web-01'], granted_on: '2026-01-01', expires: '2026-11-20T00:00:00+08:00' },
  ],
  backupPolicies: [{ id: 'db', targets: { groups: ['db'] }, rpo_hours: 24, retention: { keep_daily: 2, keep_weekly: 1 } }],
  exceptions: [],
};

function facts(over: Partial<HostFacts> = {}): HostFacts {
  const missing = factError<never>('not gathered', 'x');
  return {
    host: 'web-01',
    identity: missing,
    osRelease: missing,
    sshd: missing,
    sshdContexts: missing,
    sshdRuntime: missing,
    listen: missing,
    loginDefs: missing,
    passwd: missing,
    group: missing,
    shadow: missing,
    shells: missing,
    authorizedKeys: missing,
    authorizedKeyFiles: missing,
    sudoers: missing,
    sudoList: missing,
    packages: missing,
    files: missing,
    sysctlRunning: missing,
    sysctlPersisted: missing,
    disk: missing,
    memory: missing,
    load: missing,
    restic: new Map(),
    ...over,
  };
}
const check = (type: string, params: Record<string, unknown>, id = `t.${type}`): CheckDef => ({ id, title: id, severity: 'high', type, params, rationale: 'r', remediation: 'm' });

describe('sshd_option and login_defs comparisons', () => {
  const f = facts({
    sshd: factOk({ permitrootlogin: ['without-password'], maxauthtries: ['6'], ciphers: ['aes256-gcm@openssh.com,aes128-cbc'] }, 'sshd -T'),
    loginDefs: factOk({ PASS_MAX_DAYS: '99999' }, 'grep'),
  });
  it.each([
    [{ option: 'permitrootlogin', equals: 'no' }, 'fail'],
    [{ option: 'permitrootlogin', in: ['no', 'without-password'] }, 'pass'],
    [{ option: 'permitrootlogin', not_in: ['yes'] }, 'pass'],
    [{ option: 'maxauthtries', max: 4 }, 'fail'],
    [{ option: 'maxauthtries', min: 4 }, 'pass'],
    [{ option: 'ciphers', excludes: ['aes128-cbc', '3des-cbc'] }, 'fail'],
    [{ option: 'ciphers', excludes: ['3des-cbc'] }, 'pass'],
    [{ option: 'banner', equals: '/etc/issue.net' }, 'fail'],
  ])('%j → %s', (params, status) => {
    expect(evaluateCheck(check('sshd_option', params), f, host, policy, NOW).status).toBe(status);
  });
  it('login_defs names the observed value', () => {
    const o = evaluateCheck(check('login_defs', { key: 'PASS_MAX_DAYS', max: 90 }), f, host, policy, NOW);
    expect(o).toMatchObject({ status: 'fail', observed: 'PASS_MAX_DAYS 99999' });
  });
  it('a fact that could not be gathered is an error with its reason', () => {
    const o = evaluateCheck(check('sshd_option', { option: 'x', equals: 'y' }), facts({ sshd: factError('insufficient privileges: sshd -T failed', 'sshd -T') }), host, policy, NOW);
    expect(o).toMatchObject({ status: 'error', reason: 'insufficient privileges: sshd -T failed', evidence: 'sshd -T' });
  });
});

describe('sysctl: running and persisted', () => {
  const run = (running: string | null, persisted?: string) =>
    evaluateCheck(
      check('sysctl', { key: 'net.ipv4.ip_forward', value: 0 }),
      facts({
        sysctlRunning: factOk(new Map([['net.ipv4.ip_forward', running]]), 'cat'),
        sysctlPersisted: factOk(new Map(persisted === undefined ? [] : [['net.ipv4.ip_forward', { value: persisted, file: '/etc/sysctl.d/60.conf', line: 3 }]]), 'cat'),
      }),
      host,
      policy,
      NOW,
    );
  it.each([
    ['0', '0', 'pass', ''],
    ['1', '0', 'fail', 'running value is 1'],
    ['0', undefined, 'fail', 'passes now, reverts on reboot'],
    ['0', '1', 'fail', 'persisted value is 1 (/etc/sysctl.d/60.conf:3): passes now, reverts on reboot'],
  ] as const)('running %s, persisted %s → %s', (r, p, status, reason) => {
    const o = run(r, p);
    expect(o.status).toBe(status);
    expect(o.reason).toContain(reason);
  });
  it('a key the kernel lacks is not applicable', () => {
    expect(run(null, '0').status).toBe('not_applicable');
  });
});

describe('thresholds', () => {
  const disk = (pct: number) =>
    facts({
      disk: factOk(
        [
          { filesystem: '/dev/vda', type: 'ext4', mount: '/', sizeKb: 100, usedKb: pct, usedPercent: pct },
          { filesystem: 'tmpfs', type: 'tmpfs', mount: '/run', sizeKb: 1, usedKb: 1, usedPercent: 100 },
        ],
        'df',
      ),
    });
  it.each([
    [79, 'pass', undefined],
    [80, 'pass', 'warn'],
    [89, 'pass', 'warn'],
    [90, 'fail', undefined],
  ] as const)('%s%% → %s %s', (pct, status, level) => {
    const o = evaluateCheck(check('disk_usage', { warn_at: 80, fail_at: 90 }), disk(pct), host, policy, NOW);
    expect([o.status, o.level]).toEqual([status, level]);
  });
  it('an explicitly listed mount is judged whatever its type; a missing one is an error', () => {
    expect(evaluateCheck(check('disk_usage', { mounts: ['/run'], warn_at: 80, fail_at: 90 }), disk(10), host, policy, NOW).status).toBe('fail');
    expect(evaluateCheck(check('disk_usage', { mounts: ['/data'], warn_at: 80, fail_at: 90 }), disk(10), host, policy, NOW)).toMatchObject({ status: 'error', reason: 'not mounted: /data' });
  });
  it('load is per CPU', () => {
    const f = facts({ load: factOk({ load1: 9, load5: 6, load15: 1, cpus: 4 }, 'cat') });
    expect(evaluateCheck(check('load', { warn_at: 1, fail_at: 2 }), f, host, policy, NOW)).toMatchObject({ status: 'pass', level: 'warn', observed: 'load5/4 CPUs 1.5 per CPU' });
  });
});

describe('access checks against people, roles and grants', () => {
  const key = (account: string, fingerprint: string) => ({ account, file: `/home/${account}/.ssh/authorized_keys`, line: 1, type: 'ssh-ed25519', fingerprint, comment: '', options: '' });
  const keysCheck = (keys: ReturnType<typeof key>[]) => evaluateCheck(check('authorized_keys', { exclude_accounts: ['opsgate'] }), facts({ authorizedKeys: factOk(keys, 'cat') }), host, policy, NOW);
  it.each([
    ['a granted key', [key('deploy', FP.alice)], 'pass', ''],
    ['the automation account is excluded', [key('opsgate', 'SHA256:whatever')], 'pass', ''],
    ['an unknown key', [key('deploy', 'SHA256:zzz')], 'fail', 'deploy: SHA256:zzz is unknown'],
    ['a key of a person who left', [key('deploy', FP.bob)], 'fail', 'belongs to bob, who left on 2026-10-31'],
    ['an expired key', [key('deploy', FP.carol)], 'fail', 'of carol expired at 2026-11-01T00:00:00+08:00'],
    ['an expired grant', [key('deploy', FP.dave)], 'fail', 'grant g-dave expired'],
    ['a key on an account the person has no grant for', [key('root', FP.alice)], 'fail', 'no grant of account root on this host'],
  ])('%s', (_n, keys, status, reason) => {
    const o = keysCheck(keys);
    expect(o.status).toBe(status);
    expect(o.reason).toContain(reason);
  });

  const passwd = (accounts: Array<[string, number, string?]>) =>
    facts({
      passwd: factOk(
        accounts.map(([name, uid, shell]) => ({ name, uid, gid: uid, home: `/home/${name}`, shell: shell ?? '/bin/bash' })),
        'cat',
      ),
    });
  it.each([
    [
      'root and declared accounts',
      [
        ['root', 0],
        ['deploy', 1001],
        ['opsgate', 1990],
        ['daemon', 1, '/usr/sbin/nologin'],
      ],
      'pass',
      '',
    ],
    [
      'a second uid 0',
      [
        ['root', 0],
        ['toor', 0, '/bin/sh'],
      ],
      'fail',
      'toor has uid 0',
    ],
    [
      'an undeclared login account',
      [
        ['root', 0],
        ['mallory', 1005],
      ],
      'fail',
      'mallory (uid 1005) is not declared',
    ],
    [
      'an undeclared account without a login shell',
      [
        ['root', 0],
        ['svc', 1006, '/usr/sbin/nologin'],
      ],
      'pass',
      '',
    ],
  ] as const)('accounts: %s', (_n, accounts, status, reason) => {
    const o = evaluateCheck(check('accounts', { allow_accounts: ['opsgate'] }), passwd(accounts as never), host, policy, NOW);
    expect(o.status).toBe(status);
    expect(o.reason).toContain(reason);
  });

  it('sudoers: role rules and allowed rules pass, anything else is named with file and line', () => {
    const rules = [
      { file: '/etc/sudoers', line: 1, who: 'root', runas: 'ALL', nopasswd: false, commands: ['ALL'] },
      { file: '/etc/sudoers.d/deploy', line: 1, who: 'deploy', runas: 'root', nopasswd: true, commands: ['/usr/bin/systemctl restart nginx'] },
      { file: '/etc/sudoers.d/deploy', line: 2, who: 'deploy', runas: 'root', nopasswd: true, commands: ['/bin/bash'] },
    ];
    const sudoers = { rules: rules.map((r) => ({ ...r, users: [r.who] })), authDefaults: [], unparsed: [], files: [], skipped: [], problems: [] };
    const o = evaluateCheck(check('sudoers', { allow: [{ who: 'root', runas: 'ALL' }] }), facts({ sudoers: factOk(sudoers, 'cat') }), host, policy, NOW);
    expect(o.status).toBe('fail');
    expect(o.reason).toBe('undeclared: /etc/sudoers.d/deploy:2 deploy (root) NOPASSWD /bin/bash');
  });
});

describe('backup_freshness', () => {
  const db: InventoryHost = { ...host, id: 'db-01', groups: ['db'], backup_repositories: [{ policy: 'db', repository: '/r', password_env: 'P' }] };
  const snaps = (...hoursAgo: number[]) =>
    facts({
      restic: new Map([
        [
          'db',
          factOk(
            hoursAgo.map((h, i) => ({ id: `s${i}`, time: new Date(NOW.getTime() - h * 3_600_000).toISOString(), host: 'db-01', paths: [], tags: [] })),
            'restic',
          ),
        ],
      ]),
    });
  it.each([
    [[2], 'pass', ''],
    [[30, 50], 'fail', 'db: newest snapshot of db-01 is s0 at 2026-11-25T22:00:00.000Z, 30 h old; RPO is 24 h'],
    [[1, 20, 40, 60], 'fail', '4 snapshots of this host exceed retention (3)'],
    [[], 'fail', 'db: no snapshot of db-01'],
  ] as const)('snapshots %j hours old → %s', (hours, status, reason) => {
    const o = evaluateCheck(check('backup_freshness', {}), snaps(...hours), db, policy, NOW);
    expect(o.status).toBe(status);
    expect(o.reason).toContain(reason);
  });
  it("in a shared repository, only this host's snapshots of this policy count", () => {
    const snap = (id: string, hostName: string, hoursAgo: number, tags: string[] = ['db']) => ({
      id,
      time: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString(),
      host: hostName,
      paths: ['/var/lib/postgresql'],
      tags,
    });
    const shared = facts({ restic: new Map([['db', factOk([snap('mine', 'db-01', 50), snap('other', 'db-02', 1), snap('wrongtag', 'db-01', 1, ['logs'])], 'restic')]]) });
    const tagged = { ...policy, backupPolicies: [{ ...policy.backupPolicies[0]!, tags: ['db'] }] };
    const o = evaluateCheck(check('backup_freshness', {}), shared, db, tagged, NOW);
    expect(o.status).toBe('fail');
    expect(o.reason).toBe('db: newest snapshot of db-01 is mine at 2026-11-25T02:00:00.000Z, 50 h old; RPO is 24 h (2 snapshots of other hosts or policies in the repository not counted)');
    const byHostname = evaluateCheck(
      check('backup_freshness', {}),
      facts({ identity: factOk({ uid: 0, hostname: 'db-01.prod' }, 'id'), restic: new Map([['db', factOk([snap('x', 'db-01.prod', 2)], 'restic')]]) }),
      db,
      tagged,
      NOW,
    );
    expect(byHostname.status).toBe('pass');
  });
  it('a targeted host without a repository fails; an untargeted one is not applicable', () => {
    expect(evaluateCheck(check('backup_freshness', {}), facts(), { ...host, groups: ['db'] }, policy, NOW).status).toBe('fail');
    expect(evaluateCheck(check('backup_freshness', {}), facts(), host, policy, NOW).status).toBe('not_applicable');
  });
});

describe('evaluateHost, exceptions, diff, summary', () => {
  const baseline: Baseline = {
    id: 'b',
    title: 'b',
    checks: [check('sshd_option', { option: 'permitrootlogin', equals: 'no' }, 'ssh.root'), { ...check('manual', {}, 'm.review'), applies_to: { groups: ['db'] } }],
  };
  it('an unreachable host gets an error row per applicable check; out-of-scope checks stay not_applicable', () => {
    const rows = evaluateHost(host, [baseline], { error: 'hostkey: refused' }, policy, NOW);
    expect(rows.map((r) => [r.check, r.status, r.reason])).toEqual([
      ['ssh.root', 'error', 'hostkey: refused'],
      ['m.review', 'not_applicable', "host is outside the check's applies_to"],
    ]);
  });
  it('an unreachable host: a check that needs nothing from the host is decided as on any day, never charged as an error', () => {
    const noHost: Baseline = {
      id: 'n',
      title: 'n',
      checks: [
        check('manual', { procedure: 'read the audit log' }, 'audit.review'),
        check('backup_freshness', {}, 'backup.fresh'),
        check('sshd_option', { option: 'permitrootlogin', equals: 'no' }, 'ssh.root'),
      ],
    };
    const rows = evaluateHost(host, [noHost], { error: 'connect: unreachable' }, policy, NOW);
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['audit.review', 'not_checked'],
      ['backup.fresh', 'not_applicable'],
      ['ssh.root', 'error'],
    ]);
    // A host a backup policy targets needs its snapshots read from the host: unreachable, that is an error.
    const targeted = { ...host, backup_repositories: [{ policy: 'p', repository: 'sftp:b:/r' }] } as unknown as InventoryHost;
    const withPolicy = { ...policy, backupPolicies: [{ id: 'p', targets: { hosts: ['web-01'] } }] } as unknown as PolicyData;
    expect(evaluateHost(targeted, [noHost], { error: 'connect: unreachable' }, withPolicy, NOW).map((r) => r.status)).toEqual(['not_checked', 'error', 'error']);
  });
  const r = (hostId: string, status: InspectionRow['status']): InspectionRow => ({
    host: hostId,
    check: 'ssh.root',
    baseline: 'b',
    title: 't',
    severity: 'high',
    status,
    expected: '',
    observed: '',
    reason: 'why',
    evidence: '',
  });
  it('exceptions waive until expiry, then leave fail with exception_expired; scope matters', () => {
    const hosts = new Map([
      ['web-01', host],
      ['db-01', { ...host, id: 'db-01', groups: ['db'] }],
    ]);
    const exceptions = [
      { id: 'e-web', rule: 'ssh.root', scope: { groups: ['web'] }, expires: '2026-12-01T00:00:00+08:00' },
      { id: 'e-db', rule: 'ssh.root', scope: { hosts: ['db-01'] }, expires: '2026-11-01T00:00:00+08:00' },
    ];
    const out = applyExceptions([r('web-01', 'fail'), r('db-01', 'fail'), r('app-01', 'fail'), r('web-01', 'pass')], exceptions, hosts, NOW);
    expect(out.map((x) => [x.status, x.exception, x.raw_status])).toEqual([
      ['waived', 'e-web', 'fail'],
      ['fail', 'e-db', undefined],
      ['fail', undefined, undefined],
      ['pass', undefined, undefined],
    ]);
    expect(out[1]!.reason).toMatch(/^exception_expired: e-db/);
  });
  // Every transition: now × the last run that inspected the host (× resolved before).
  const prior = (status: InspectionRow['status'] | undefined, extra: Partial<InspectionRow> = {}) =>
    new Map(status ? [['web-01', { runId: 'R1', rows: [{ check: 'ssh.root', status, ...extra }] }]] : []);
  it.each([
    ['fail', undefined, {}, 'new'],
    ['error', undefined, {}, 'new'],
    ['fail', 'pass', {}, 'new'],
    ['fail', 'not_applicable', {}, 'new'],
    ['fail', 'fail', {}, 'persisting'],
    ['fail', 'error', {}, 'persisting'],
    ['waived', 'fail', {}, 'persisting'],
    ['fail', 'waived', {}, 'persisting'],
    ['pass', 'fail', {}, 'resolved'],
    ['pass', 'waived', {}, 'resolved'],
    ['not_applicable', 'error', {}, 'resolved'],
    ['fail', 'pass', { change: 'resolved', last_resolved: 'R0' }, 'regressed'],
    ['fail', 'pass', { last_resolved: 'R0' }, 'regressed'],
    ['fail', 'pass', { change: 'resolved' }, 'regressed'],
    ['waived', 'pass', { last_resolved: 'R0' }, 'regressed'],
    ['pass', 'pass', {}, undefined],
    ['pass', undefined, {}, undefined],
    ['waived', undefined, {}, 'new'],
  ] as const)('now %s, before %s %j → %s', (now, before, extra, change) => {
    const row = now === 'waived' ? { ...r('web-01', 'waived'), raw_status: 'fail' as const } : r('web-01', now);
    const prev = before === 'waived' ? prior('waived', { raw_status: 'fail', ...extra }) : prior(before, extra);
    expect(applyLifecycle([row], prev, 'R2')[0]!.change).toBe(change);
  });
  it('a resolved finding carries its run id forward until it fails again', () => {
    const resolved = applyLifecycle([r('web-01', 'pass')], prior('fail'), 'R2')[0]!;
    expect(resolved).toMatchObject({ change: 'resolved', last_resolved: 'R2' });
    const quiet = applyLifecycle([r('web-01', 'pass')], new Map([['web-01', { runId: 'R2', rows: [resolved] }]]), 'R3')[0]!;
    expect(quiet.change).toBeUndefined();
    expect(quiet.last_resolved).toBe('R2');
    expect(applyLifecycle([r('web-01', 'fail')], new Map([['web-01', { runId: 'R3', rows: [quiet] }]]), 'R4')[0]).toMatchObject({ change: 'regressed', last_resolved: 'R2' });
  });
  it('a host this run could not inspect gets no change; hosts a scoped run did not cover keep their own comparison point', () => {
    const out = applyLifecycle(
      [r('web-01', 'error'), r('db-01', 'fail')],
      new Map([
        ['web-01', { runId: 'R1', rows: [{ check: 'ssh.root', status: 'fail' as const }] }],
        ['db-01', { runId: 'R0', rows: [{ check: 'ssh.root', status: 'fail' as const }] }],
      ]),
      'R2',
      new Set(['web-01']),
    );
    expect(out.map((x) => x.change)).toEqual([undefined, 'persisting']);
  });
  it('compliance = pass ÷ (pass + fail + error); waived and n/a are outside', () => {
    const s = summarize([r('a', 'pass'), r('a', 'pass'), r('a', 'pass'), r('a', 'fail'), r('b', 'error'), r('a', 'waived'), r('a', 'not_applicable')], 1, 2);
    expect(s.compliance).toBe(0.6);
    expect(s.by_status).toMatchObject({ pass: 3, fail: 1, error: 1, waived: 1, not_applicable: 1 });
    expect(summarize([], 0, 0).compliance).toBeNull();
  });
  it('shards partition the hosts', () => {
    const hs = ['e', 'a', 'd', 'c', 'b'].map((id) => ({ id }));
    const parts = [1, 2, 3].map((i) => selectShard(hs, { index: i, count: 3 }).map((h) => h.id));
    expect(parts).toEqual([['a', 'd'], ['b', 'e'], ['c']]);
  });
});
