import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../scripts/inspect/evaluate.ts';
import { factError, factOk, type Account, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef, InventoryHost, PolicyData } from '../../scripts/inspect/model.ts';
import type { SudoRule } from '../../scripts/inspect/parse-sudo.ts';

const NOW = new Date('2026-11-27T04:00:00Z');
const host: InventoryHost = { id: 'web-01', address: 'a', user: 'opsgate', host_keys: [], groups: ['web'], env: 'prod' };
const policy: PolicyData = {
  people: [{ id: 'alice', status: 'active', ssh_keys: [{ fingerprint: 'SHA256:alice', public_key: 'k' }] }],
  roles: [
    { id: 'deployer', unix_account: 'deploy', sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }] },
    { id: 'dba', unix_account: 'dba', sudo: [{ runas: 'root', commands: ['ALL'] }] },
  ],
  grants: [
    { id: 'g-deploy', person: 'alice', role: 'deployer', groups: ['web'], granted_on: '2026-01-01', expires: '2027-01-01T00:00:00Z' },
    { id: 'g-dba', person: 'alice', role: 'dba', groups: ['web'], granted_on: '2026-01-01', expires: '2027-01-01T00:00:00Z' },
  ],
  backupPolicies: [],
  exceptions: [],
};
const missing = factError<never>('not gathered', 'x');
function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    host: 'web-01',
    identity: missing,
    osRelease: missing,
    sshd: missing,
    sshdContexts: factOk([], 'sshd -T'),
    sshdRuntime: factOk({ configFiles: [] }, 'sshd -T'),
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
const check = (type: string, params: Record<string, unknown> = {}): CheckDef => ({ id: `t.${type}`, title: 't', severity: 'high', type, params, rationale: 'r', remediation: 'm' });
const acct = (name: string, uid: number, shell = '/bin/bash', gid = uid, password = 'x'): Account => ({ name, uid, gid, home: `/home/${name}`, shell, password });
const shells = factOk(
  {
    shells: new Map<string, string | null>([
      ['/bin/bash', null],
      ['/usr/sbin/nologin', '/usr/sbin/nologin'],
      ['/usr/local/bin/nologin', null],
    ]),
    listed: new Set(['/bin/bash']),
  },
  'cksum',
);
const global = { permitrootlogin: ['no'], passwordauthentication: ['no'], authorizedkeyscommand: ['none'] };

describe('sshd_option: every Match context, and a reload pending', () => {
  const ctx = (user: string, settings: Record<string, string[]>) => ({ label: `user=${user},host=203.0.113.10,addr=203.0.113.10`, user, settings, status: 0 });
  it('fails when a context weakens the option, naming the context and its evidence command', () => {
    const o = evaluateCheck(
      check('sshd_option', { option: 'passwordauthentication', equals: 'no' }),
      facts({ sshd: factOk(global, 'sshd -T'), sshdContexts: factOk([ctx('root', {}), ctx('deploy', { passwordauthentication: ['yes'] })], 'sshd -T -C') }),
      host,
      policy,
      NOW,
    );
    expect(o).toMatchObject({
      status: 'fail',
      reason: 'Match context user=deploy,host=203.0.113.10,addr=203.0.113.10: passwordauthentication is yes',
      evidence: 'sshd -T -C user=deploy,host=203.0.113.10,addr=203.0.113.10',
    });
  });
  it('a Match criterion opsgate cannot evaluate is an error naming its file and line, never a pass; a failure stays a failure', () => {
    const runtime = factOk({ configFiles: [], unevaluated: [{ file: '/etc/ssh/sshd_config', line: 12, criterion: 'SessionType' }] }, 'sshd -T');
    const o = evaluateCheck(check('sshd_option', { option: 'passwordauthentication', equals: 'no' }), facts({ sshd: factOk(global, 'sshd -T'), sshdRuntime: runtime }), host, policy, NOW);
    expect(o).toMatchObject({
      status: 'error',
      reason:
        '/etc/ssh/sshd_config:12 Match SessionType cannot be evaluated (sshd -T -C has no parameter for it), so the settings in that block are not judged; check them by hand or set contexts: false',
    });
    const failing = evaluateCheck(
      check('sshd_option', { option: 'passwordauthentication', equals: 'no' }),
      facts({ sshd: factOk({ ...global, passwordauthentication: ['yes'] }, 'sshd -T'), sshdRuntime: runtime }),
      host,
      policy,
      NOW,
    );
    expect(failing.status).toBe('fail');
    expect(failing.reason).toContain('/etc/ssh/sshd_config:12 Match SessionType');
    const off = evaluateCheck(
      check('sshd_option', { option: 'passwordauthentication', equals: 'no', contexts: false }),
      facts({ sshd: factOk(global, 'sshd -T'), sshdRuntime: runtime }),
      host,
      policy,
      NOW,
    );
    expect(off.status).toBe('pass');
  });
  it('contexts: false judges the global view only', () => {
    const o = evaluateCheck(
      check('sshd_option', { option: 'passwordauthentication', equals: 'no', contexts: false }),
      facts({ sshd: factOk(global, 'sshd -T'), sshdContexts: factOk([ctx('deploy', { passwordauthentication: ['yes'] })], 'x') }),
      host,
      policy,
      NOW,
    );
    expect(o.status).toBe('pass');
  });
  it('a config file newer than the daemon is a warning on a passing row and a note on a failing one', () => {
    const changed = Date.parse('2026-11-27T03:00:00Z');
    const runtime = factOk(
      {
        configFiles: [{ path: '/etc/ssh/sshd_config', mtime: changed, ctime: changed }],
        daemon: { pid: 77, startedAt: Date.parse('2026-11-26T00:00:00Z') },
        pidFile: { path: '/run/sshd.pid', mtime: Date.parse('2026-11-26T00:00:01Z'), pid: 77 },
      },
      'sshd -T',
    );
    const o = evaluateCheck(check('sshd_option', { option: 'permitrootlogin', equals: 'no' }), facts({ sshd: factOk(global, 'sshd -T'), sshdRuntime: runtime }), host, policy, NOW);
    expect(o).toMatchObject({ status: 'pass', level: 'warn' });
    expect(o.reason).toBe(
      'reload pending: /etc/ssh/sshd_config changed 2026-11-27T03:00:00.000Z, after sshd (pid 77) loaded its configuration 2026-11-26T00:00:01.000Z; the running daemon may use other settings',
    );
    const old = Date.parse('2026-11-25T00:00:00Z');
    const fresh = factOk({ configFiles: [{ path: '/etc/ssh/sshd_config', mtime: old, ctime: old }], daemon: { pid: 77, startedAt: Date.parse('2026-11-26T00:00:00Z') } }, 'x');
    expect(evaluateCheck(check('sshd_option', { option: 'permitrootlogin', equals: 'no' }), facts({ sshd: factOk(global, 'sshd -T'), sshdRuntime: fresh }), host, policy, NOW).level).toBeUndefined();
  });
});

describe('authorized_keys: files sshd reads, and AuthorizedKeysCommand', () => {
  const key = { account: 'deploy', file: '/etc/ssh/keys/deploy', line: 3, type: 'ssh-ed25519', fingerprint: 'SHA256:alice', comment: '', options: 'from="10.0.0.1",no-pty' };
  const files = factOk({ tokens: '.ssh/authorized_keys /etc/ssh/keys/%u', files: ['deploy:/etc/ssh/keys/deploy'] }, 'x');
  it('reports per-key options and the files read', () => {
    const o = evaluateCheck(check('authorized_keys'), facts({ sshd: factOk(global, 'sshd -T'), authorizedKeys: factOk([key], 'x'), authorizedKeyFiles: files }), host, policy, NOW);
    expect(o).toMatchObject({ status: 'pass', observed: 'deploy:alice [from,no-pty]; AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u' });
    expect(o.evidence).toContain('cat /etc/ssh/keys/deploy');
  });
  it('an AuthorizedKeysCommand is an error unless the baseline allows it', () => {
    const withCmd = facts({ sshd: factOk({ ...global, authorizedkeyscommand: ['/usr/local/bin/keys %u'] }, 'sshd -T'), authorizedKeys: factOk([key], 'x'), authorizedKeyFiles: files });
    const o = evaluateCheck(check('authorized_keys'), withCmd, host, policy, NOW);
    expect(o.status).toBe('error');
    expect(o.reason).toMatch(/^keys also come from AuthorizedKeysCommand \/usr\/local\/bin\/keys %u \(every account\), which opsgate cannot verify/);
    expect(evaluateCheck(check('authorized_keys', { allow_keys_command: true }), withCmd, host, policy, NOW).status).toBe('pass');
    const inCtx = facts({
      sshd: factOk(global, 'sshd -T'),
      sshdContexts: factOk([{ label: 'user=deploy,host=h,addr=a', user: 'deploy', settings: { authorizedkeyscommand: ['/bin/k'] }, status: 0 }], 'x'),
      authorizedKeys: factOk([], 'x'),
      authorizedKeyFiles: files,
    });
    expect(evaluateCheck(check('authorized_keys'), inCtx, host, policy, NOW).reason).toContain('/bin/k (Match context user=deploy,host=h,addr=a)');
  });
});

describe('authorized_keys: a user CA is a key source opsgate cannot verify', () => {
  const files = factOk({ tokens: '.ssh/authorized_keys', files: [] }, 'x');
  it('TrustedUserCAKeys, global or in a Match context, is an error unless the baseline allows it, and a failure besides', () => {
    const withCa = facts({ sshd: factOk({ ...global, trustedusercakeys: ['/etc/ssh/user_ca.pub'] }, 'sshd -T'), authorizedKeys: factOk([], 'x'), authorizedKeyFiles: files });
    const o = evaluateCheck(check('authorized_keys'), withCa, host, policy, NOW);
    expect(o).toMatchObject({
      status: 'error',
      reason:
        'certificates signed by TrustedUserCAKeys /etc/ssh/user_ca.pub (every account) log in without an authorized_keys entry, which opsgate cannot verify; set allow_user_ca: true in the baseline if that CA is trusted',
    });
    expect(o.observed).toContain('TrustedUserCAKeys /etc/ssh/user_ca.pub (every account)');
    expect(evaluateCheck(check('authorized_keys', { allow_user_ca: true }), withCa, host, policy, NOW).status).toBe('pass');
    const none = facts({ sshd: factOk({ ...global, trustedusercakeys: ['none'] }, 'sshd -T'), authorizedKeys: factOk([], 'x'), authorizedKeyFiles: files });
    expect(evaluateCheck(check('authorized_keys'), none, host, policy, NOW).status).toBe('pass');
    const inCtx = facts({
      sshd: factOk(global, 'sshd -T'),
      sshdContexts: factOk([{ label: 'user=deploy,host=h,addr=a', user: 'deploy', settings: { trustedusercakeys: ['/etc/ssh/ca'] }, status: 0 }], 'x'),
      authorizedKeys: factOk([], 'x'),
      authorizedKeyFiles: files,
    });
    expect(evaluateCheck(check('authorized_keys'), inCtx, host, policy, NOW).reason).toContain('/etc/ssh/ca (Match context user=deploy,host=h,addr=a)');
  });
});

describe('sudoers: resolved as sudo resolves it, with sudo -l as ground truth', () => {
  const passwd = factOk([acct('root', 0), acct('deploy', 1001), acct('ops', 1002), acct('opsgate', 1990)], 'cat');
  const group = factOk(
    [
      { name: 'sudo', gid: 27, members: [] },
      { name: 'deployers', gid: 1500, members: ['ops'] },
    ],
    'cat',
  );
  const rule = (line: number, users: string[], commands: string[], nopasswd = false, runas = 'root'): SudoRule => ({
    file: '/etc/sudoers.d/x',
    line,
    who: users.join(','),
    users,
    runas,
    nopasswd,
    commands,
  });
  const sudoers = (rules: SudoRule[], extra: Record<string, unknown> = {}) => factOk({ rules, authDefaults: [], unparsed: [], files: [], skipped: [], problems: [], ...extra }, 'cat /etc/sudoers…');
  const allow = {
    allow: [
      { who: 'root', runas: 'ALL' },
      { who: '%sudo', runas: 'ALL' },
    ],
  };
  it.each([
    ['a granted rule', [rule(1, ['deploy'], ['/usr/bin/systemctl restart nginx'], true)], {}, ''],
    ['a %group rule resolves to its members', [rule(2, ['%deployers'], ['/bin/bash'], true)], {}, 'undeclared: /etc/sudoers.d/x:2 ops (%deployers → ops) (root) NOPASSWD /bin/bash'],
    [
      'global !authenticate',
      [rule(4, ['deploy'], ['/usr/bin/journalctl'])],
      { authDefaults: [{ file: '/etc/sudoers', line: 9, scope: 'all', list: [], authenticate: false }] },
      'undeclared: /etc/sudoers.d/x:4 deploy (root) NOPASSWD through Defaults !authenticate at /etc/sudoers:9 /usr/bin/journalctl',
    ],
    ['include problems are findings', [], { problems: ['include loop: /etc/sudoers → /etc/sudoers'] }, 'undeclared: sudoers: include loop: /etc/sudoers → /etc/sudoers'],
  ] as const)('%s', (_n, rules, extra, reason) => {
    const o = evaluateCheck(check('sudoers', allow), facts({ passwd, group, sudoers: sudoers([...rules], extra) }), host, policy, NOW);
    expect(o.reason).toBe(reason);
    expect(o.status).toBe(reason ? 'fail' : 'pass');
  });
  it('dba with !authenticate fails when its role has no nopasswd (the authentication is gone)', () => {
    const o = evaluateCheck(
      check('sudoers', allow),
      facts({
        passwd: factOk([acct('dba', 1003)], 'x'),
        group,
        sudoers: sudoers([rule(3, ['dba'], ['ALL'])], { authDefaults: [{ file: '/etc/sudoers.d/y', line: 1, scope: 'user', list: ['dba'], authenticate: false }] }),
      }),
      host,
      policy,
      NOW,
    );
    expect(o.reason).toBe('undeclared: /etc/sudoers.d/x:3 dba (root) NOPASSWD through Defaults !authenticate at /etc/sudoers.d/y:1 ALL');
  });
  it('sudo -l finds what the parser missed, and the parser gives the file and line when it can', () => {
    const list = factOk(
      [
        {
          account: 'deploy',
          status: 0,
          authenticateOff: false,
          allowed: [
            { runas: 'root', nopasswd: true, command: '/usr/bin/systemctl restart nginx' },
            { runas: 'root', nopasswd: true, command: '/usr/bin/vim' },
          ],
        },
        { account: 'ops', status: 1, authenticateOff: false, allowed: [] },
      ],
      'sudo -l',
    );
    const o = evaluateCheck(check('sudoers', allow), facts({ passwd, group, sudoers: sudoers([rule(1, ['deploy'], ['/usr/bin/systemctl restart nginx'], true)]), sudoList: list }), host, policy, NOW);
    expect(o.reason).toBe('undeclared: sudo -l -U deploy: (root) NOPASSWD: /usr/bin/vim (sudo resolves it; the parser did not find the rule)');
    expect(o.evidence).toBe('cat /etc/sudoers…; sudo -l -U deploy|ops');
  });
  it('an account in an allowed %group passes sudo -l (privileged_groups judges the membership)', () => {
    const list = factOk([{ account: 'ops', status: 0, authenticateOff: false, allowed: [{ runas: 'ALL', nopasswd: false, command: 'ALL' }] }], 'sudo -l');
    const o = evaluateCheck(
      check('sudoers', allow),
      facts({ passwd, group: factOk([{ name: 'sudo', gid: 27, members: ['ops'] }], 'x'), sudoers: sudoers([rule(1, ['%sudo'], ['ALL'], false, 'ALL')]), sudoList: list }),
      host,
      policy,
      NOW,
    );
    expect(o.status).toBe('pass');
  });
});

describe('accounts, privileged groups and passwords', () => {
  it('privileged groups count primary and supplementary members against grants', () => {
    const passwd = factOk([acct('root', 0), acct('deploy', 1001), acct('dba', 1003), acct('svc', 1004, '/bin/bash', 999), acct('opsgate', 1990)], 'cat');
    const group = factOk(
      [
        { name: 'sudo', gid: 27, members: ['deploy', 'dba', 'opsgate'] },
        { name: 'docker', gid: 999, members: [] },
        { name: 'adm', gid: 4, members: [] },
      ],
      'cat',
    );
    const o = evaluateCheck(check('privileged_groups', { allow: ['sudo:opsgate'] }), facts({ passwd, group }), host, policy, NOW);
    expect(o.reason).toBe('deploy is a member of sudo (supplementary group) without a grant that gives root; svc is a member of docker (primary group) without a grant that gives root');
    expect(evaluateCheck(check('privileged_groups', { groups: ['adm'] }), facts({ passwd, group }), host, policy, NOW).status).toBe('pass');
  });
  it('login shells are judged by their bytes, not their names', () => {
    const passwd = factOk([acct('root', 0), acct('sneaky', 1007, '/usr/local/bin/nologin'), acct('svc', 1008, '/usr/sbin/nologin')], 'cat');
    const o = evaluateCheck(check('accounts'), facts({ passwd, shells }), host, policy, NOW);
    expect(o.reason).toBe('sneaky (uid 1007) is not declared by any current grant (/usr/local/bin/nologin can start a session (not listed in /etc/shells))');
  });
  it('an empty password field with a login shell fails; without one it does not', () => {
    const passwd = factOk([acct('root', 0), acct('guest', 1009), acct('nobody2', 1010, '/usr/sbin/nologin'), acct('legacy', 1011, '/bin/bash', 1011, '')], 'cat');
    const shadow = factOk(
      [
        { name: 'root', state: 'locked' as const },
        { name: 'guest', state: 'empty' as const },
        { name: 'nobody2', state: 'empty' as const },
        { name: 'legacy', state: 'locked' as const },
      ],
      'awk',
    );
    const o = evaluateCheck(check('empty_password'), facts({ passwd, shadow, shells }), host, policy, NOW);
    expect(o.reason).toBe('guest (uid 1009, shell /bin/bash) has an empty password field in /etc/shadow; legacy (uid 1011, shell /bin/bash) has an empty password field in /etc/passwd');
  });
  it('password_age compares shadow aging with the baseline, else login.defs', () => {
    const today = Math.floor(NOW.getTime() / 86_400_000);
    const passwd = factOk([acct('alice', 1001), acct('bob', 1002), acct('carol', 1003), acct('svc', 1004, '/usr/sbin/nologin')], 'cat');
    const shadow = factOk(
      [
        { name: 'alice', state: 'set' as const, lastChange: today - 10, maxDays: 90 },
        { name: 'bob', state: 'set' as const, lastChange: today - 10, maxDays: 99999 },
        { name: 'carol', state: 'set' as const, lastChange: today - 120, maxDays: 60 },
        { name: 'svc', state: 'set' as const, lastChange: 1 },
      ],
      'awk',
    );
    const f = facts({ passwd, shadow, shells, loginDefs: factOk({ PASS_MAX_DAYS: '60' }, 'grep') });
    expect(evaluateCheck(check('password_age', { max_days: 90 }), f, host, policy, NOW).reason).toBe('bob: shadow maximum is 99999 days (limit 90); carol: password is 120 days old (limit 90)');
    expect(evaluateCheck(check('password_age'), f, host, policy, NOW).reason).toBe(
      'alice: shadow maximum is 90 days (limit 60); bob: shadow maximum is 99999 days (limit 60); carol: password is 120 days old (limit 60)',
    );
  });
});

describe('file_mode sees POSIX ACLs', () => {
  const files = (acl: unknown) =>
    facts({ files: factOk(new Map([['/etc/shadow', { path: '/etc/shadow', exists: true, mode: 0o640, owner: 'root', group: 'shadow', kind: 'regular file', acl }]]), 'stat') } as never);
  const c = check('file_mode', { path: '/etc/shadow', max_mode: '0640', owner: 'root', group: ['root', 'shadow'] });
  it.each([
    [[], 'pass', ''],
    [
      [
        { tag: 'user', qualifier: 'mallory', perms: 'r--' },
        { tag: 'mask', qualifier: '', perms: 'r--' },
      ],
      'fail',
      'ACL grants user mallory r--',
    ],
    [
      [
        { tag: 'user', qualifier: 'mallory', perms: 'r--' },
        { tag: 'mask', qualifier: '', perms: '---' },
      ],
      'pass',
      '',
    ],
    ['unreadable', 'fail', "/etc/shadow has an ACL (ls shows '+') but the host has no getfacl to read it"],
  ] as const)('%j → %s', (acl, status, reason) => {
    const o = evaluateCheck(c, files(acl), host, policy, NOW);
    expect([o.status, o.reason]).toEqual([status, reason]);
  });
  it('acl_allow names accepted entries', () => {
    expect(evaluateCheck({ ...c, params: { ...c.params, acl_allow: ['user:mallory'] } }, files([{ tag: 'user', qualifier: 'mallory', perms: 'r--' }]), host, policy, NOW).status).toBe('pass');
  });
});
