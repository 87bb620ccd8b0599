/**
 * Issue 13 acceptance: drift planted on real sshd hosts, each item confirmed the way an outsider
 * would (sshd -T -C, sudo -l -U, logging in with the hidden key), and the exact rows opsgate prints.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { captureStdio } from '../helpers/capture.ts';
import { execOnFleetHost } from './fleet-host.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const HOUR = 3_600_000;
const today = Math.floor(Date.now() / 86_400_000);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let hidden: { privatePath: string; publicKey: string };
let certified: { privatePath: string; publicKey: string };
let rows: InspectionRow[];
let hostsOut: Array<{ host: string; reachable: boolean; error: { phase: string; message: string } | null }>;

const BASELINE = {
  id: 'daemon-view',
  title: '守护进程视角',
  checks: [
    { id: 'ssh.password-auth', title: '禁止口令登录', severity: 'high', type: 'sshd_option', params: { option: 'passwordauthentication', equals: 'no' }, rationale: 'r', remediation: 'm' },
    { id: 'groups.privileged', title: '特权组', severity: 'critical', type: 'privileged_groups', params: { groups: ['sudo', 'disk', 'shadow'] }, rationale: 'r', remediation: 'm' },
    { id: 'accounts.empty-password', title: '空口令', severity: 'critical', type: 'empty_password', params: {}, rationale: 'r', remediation: 'm' },
    { id: 'accounts.password-age', title: '口令期限', severity: 'medium', type: 'password_age', params: { max_days: 90 }, rationale: 'r', remediation: 'm' },
    {
      id: 'file.shadow-mode',
      title: 'shadow 权限',
      severity: 'high',
      type: 'file_mode',
      params: { path: '/etc/shadow', max_mode: '0640', owner: 'root', group: ['root', 'shadow'], must_exist: true },
      rationale: 'r',
      remediation: 'm',
    },
  ],
};

const row = (host: string, check: string) => {
  const r = rows.find((x) => x.host === host && x.check === check);
  if (!r) throw new Error(`no row ${host} ${check}`);
  return r;
};
const brief = (r: InspectionRow) => ({ status: r.status, severity: r.severity, reason: r.reason, evidence: r.evidence, ...(r.level ? { level: r.level } : {}) });

/** Runs a command on a fleet host over our own verified connection (as the login user, sudo where needed). */
const onHost = (id: string, argv: string[]) => execOnFleetHost(fleet, id, argv);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-daemon-view-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  hidden = await generateKeyPair(path.join(keyDir, 'hidden'), 'ed25519', 'hidden');
  const h2 = await generateKeyPair(path.join(keyDir, 'h2'), 'ed25519', 'h2');
  const h3 = await generateKeyPair(path.join(keyDir, 'h3'), 'ed25519', 'h3');
  // A user CA and a key it signed for the principal opsgate: that certificate logs in with no authorized_keys entry.
  const ca = await generateKeyPair(path.join(keyDir, 'ca'), 'ed25519', 'user-ca');
  certified = await generateKeyPair(path.join(keyDir, 'certified'), 'ed25519', 'certified');
  await run('ssh-keygen', ['-q', '-s', ca.privatePath, '-I', 'certified', '-n', 'opsgate', '-V', '-5m:+1h', `${certified.privatePath}.pub`]);
  fleet = await startFleet({
    hosts: [
      {
        id: 'k-files',
        groups: ['web'],
        sshd: { extra: ['AuthorizedKeysFile .ssh/authorized_keys /mnt/keys/%u %h/.ssh/extra_%U'] },
        // A comment that imitates the old framing must not hide the key after it.
        accounts: [
          {
            name: 'deploy',
            uid: 1001,
            keys: [alice.publicKey, '#file opsgate /home/opsgate/.ssh/authorized_keys', h3.publicKey],
            homeFiles: { '.ssh/extra_1001': `from="10.0.0.0/8",no-pty ${h2.publicKey}` },
          },
        ],
        mntFiles: { 'keys/deploy': { content: `${hidden.publicKey}\n` } },
      },
      { id: 'k-cmd', groups: ['web'], sshd: { extra: ['AuthorizedKeysCommand /bin/cat /dev/null', 'AuthorizedKeysCommandUser nobody'] } },
      {
        id: 'm-match',
        groups: ['web'],
        accounts: [{ name: 'deploy', uid: 1001 }],
        sshd: { match: ['Match User deploy', '  PasswordAuthentication yes', 'Match Address 10.0.0.0/8', '  PermitRootLogin yes'] },
      },
      {
        id: 's-sudo',
        groups: ['web'],
        accounts: [
          { name: 'deploy', uid: 1001 },
          { name: 'ops', uid: 1002, groups: ['staff'] },
        ],
        sudoers: ['deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx'],
        sudoersFiles: {
          'deploy.conf': 'deploy ALL=(ALL) NOPASSWD: ALL\n',
          'old~': 'deploy ALL=(ALL) NOPASSWD: ALL\n',
          '60-inc': '@includedir /etc/sudoers.d/nested\n',
          'nested/inner': 'User_Alias WEB = deploy\nCmnd_Alias SH = /bin/bash\nWEB ALL=(root) NOPASSWD: SH\n',
          '70-staff': 'Defaults:%staff !authenticate\n%staff ALL=(root) /usr/bin/vim\n',
        },
      },
      {
        id: 'g-groups',
        groups: ['web'],
        accounts: [
          { name: 'deploy', uid: 1001, groups: ['sudo'] },
          { name: 'svc', uid: 1003, primaryGroup: 'disk', shell: '/usr/sbin/nologin' },
        ],
      },
      {
        id: 'a-accts',
        groups: ['web'],
        accounts: [
          { name: 'guest', uid: 1005, password: 'empty' },
          { name: 'sneaky', uid: 1006, shell: '/mnt/bin/nologin' },
          { name: 'svc2', uid: 1007, shell: '/mnt/bin/bash', password: 'empty' },
          { name: 'aged', uid: 1008, password: 'set', aging: { lastChange: today - 200, maxDays: 99999 } },
        ],
        mntFiles: { 'bin/nologin': { copyOf: '/bin/sh', mode: '0755' }, 'bin/bash': { copyOf: '/usr/sbin/nologin', mode: '0755' } },
      },
      { id: 'f-acl', groups: ['web'], acls: { '/etc/shadow': 'user:nobody:r' } },
      { id: 'r-reload', groups: ['web'], sshd: { permitRootLogin: 'yes', extra: ['PidFile none'] } },
      { id: 'd-elsewhere', groups: ['web'], sshd: { permitRootLogin: 'yes', configElsewhere: true } },
      { id: 'd-option', groups: ['web'], sshd: { daemonOptions: ['PermitRootLogin=yes'] } },
      { id: 'm-localport', groups: ['web'], sshd: { match: ['Match LocalPort 22', '  PasswordAuthentication yes'] } },
      { id: 's-elsewhere', groups: ['web'], accounts: [{ name: 'mallory', uid: 1007, shell: '/bin/sh' }], sudoers: ['Host_Alias DBS = db-*, !db-99', 'mallory DBS = (root) NOPASSWD: ALL'] },
      { id: 'm-host', groups: ['web'], sshd: { extra: ['UseDNS yes'], match: ['Match Host *.corp.example', '  PasswordAuthentication yes'] } },
      { id: 'm-host-nodns', groups: ['web'], sshd: { match: ['Match Host *.corp.example', '  PasswordAuthentication yes'] } },
      { id: 'k-ca', groups: ['web'], sshd: { extra: ['TrustedUserCAKeys /mnt/user_ca.pub'] }, mntFiles: { 'user_ca.pub': { content: `${ca.publicKey}\n` } } },
      {
        id: 'b-stale',
        groups: ['db'],
        restic: {
          policy: 'db-daily',
          shared: 'pool',
          snapshotTimes: [new Date(Date.now() - 72 * HOUR).toISOString(), new Date(Date.now() - 50 * HOUR).toISOString()],
          foreign: [{ host: 'b-other', time: new Date(Date.now() - HOUR).toISOString() }],
        },
      },
      { id: 'b-fresh', groups: ['db'], restic: { policy: 'db-daily', shared: 'pool', snapshotTimes: [new Date(Date.now() - 2 * HOUR).toISOString()] } },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'daemon-view.yaml'), stringify(BASELINE));
  // Fixed in the file, not reloaded: the daemon still runs with PermitRootLogin yes.
  const cfg = path.join(fleet.dir, 'r-reload', 'etc', 'ssh', 'sshd_config');
  await writeFile(cfg, (await readFile(cfg, 'utf8')).replace('PermitRootLogin yes', 'PermitRootLogin no'));
  const later = new Date(Date.now() + 60_000);
  await utimes(cfg, later, later);
  // passwd whose last line has no newline: the last account must still be read.
  const pw = path.join(fleet.dir, 'a-accts', 'etc', 'passwd');
  await writeFile(pw, (await readFile(pw, 'utf8')).replace(/\n$/, ''));

  const io = captureStdio();
  const code = await runCli(['inspect', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '20'], {
    env: { ...fleet.env, PATH: process.env.PATH },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
  });
  if (code !== 1) throw new Error(`inspect exited ${code}: ${io.err()}`);
  const json = JSON.parse(io.out()) as { results: InspectionRow[]; hosts: typeof hostsOut };
  rows = json.results;
  hostsOut = json.hosts;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('inspection reads what sshd, sudo and restic read (issue 13, real hosts)', () => {
  it('every host was inspected', () => {
    expect(hostsOut.filter((h) => h.error)).toEqual([]);
  });

  it('authorized_keys: every AuthorizedKeysFile token, expanded; framing no comment can forge; options reported', async () => {
    // Ground truth: the hidden key in /mnt/keys/%u logs in.
    const h = fleet.hosts.find((x) => x.id === 'k-files')!;
    const login = await run(
      'ssh',
      [
        '-i',
        hidden.privatePath,
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        `ProxyCommand=${h.proxy_command!.join(' ')}`,
        'deploy@k-files',
        'echo',
        'in',
      ],
      { timeout: 20_000 },
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    expect(login.stdout.trim()).toBe('in');
    const r = row('k-files', 'access.authorized-keys');
    expect(r.status).toBe('fail');
    expect(r.severity).toBe('high');
    expect(r.reason.split('; ').map((x) => x.replace(/SHA256:\S+/, 'FP').replace(/\(h\d\)|\(hidden\)/, '(c)'))).toEqual([
      'deploy: FP is unknown (c) at /home/deploy/.ssh/authorized_keys:3',
      'deploy: FP is unknown (c) at /mnt/keys/deploy:1',
      'deploy: FP is unknown (c) at /home/deploy/.ssh/extra_1001:1',
    ]);
    expect(r.observed).toMatch(/deploy:alice, deploy:SHA256:\S+, deploy:SHA256:\S+, deploy:SHA256:\S+ \[from,no-pty\]; AuthorizedKeysFile \.ssh\/authorized_keys \/mnt\/keys\/%u %h\/\.ssh\/extra_%U$/);
    expect(r.evidence).toBe(
      "sshd -T -f CONFIG (the running daemon's -f) | grep -i authorizedkeys; cat /home/opsgate/.ssh/authorized_keys /home/deploy/.ssh/authorized_keys /mnt/keys/deploy /home/deploy/.ssh/extra_1001",
    );
  });

  it('AuthorizedKeysCommand is a key source opsgate cannot verify: error', () => {
    expect(brief(row('k-cmd', 'access.authorized-keys'))).toEqual({
      status: 'error',
      severity: 'high',
      reason: 'keys also come from AuthorizedKeysCommand /bin/cat /dev/null (every account), which opsgate cannot verify; set allow_keys_command: true in the baseline if that source is trusted',
      evidence: "sshd -T -f CONFIG (the running daemon's -f) | grep -i authorizedkeys; cat /home/opsgate/.ssh/authorized_keys",
    });
  });

  it('TrustedUserCAKeys: a certificate logs in with no authorized_keys entry, so the CA is a key source opsgate cannot verify', async () => {
    const h = fleet.hosts.find((x) => x.id === 'k-ca')!;
    const login = await run(
      'ssh',
      [
        '-i',
        certified.privatePath,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        `ProxyCommand=${h.proxy_command!.join(' ')}`,
        'opsgate@k-ca',
        'echo',
        'in',
      ],
      { timeout: 20_000 },
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    expect(login.stdout.trim()).toBe('in');
    expect(brief(row('k-ca', 'access.authorized-keys'))).toEqual({
      status: 'error',
      severity: 'high',
      reason:
        'certificates signed by TrustedUserCAKeys /mnt/user_ca.pub (every account) log in without an authorized_keys entry, which opsgate cannot verify; set allow_user_ca: true in the baseline if that CA is trusted',
      evidence: "sshd -T -f CONFIG (the running daemon's -f) | grep -i authorizedkeys; cat /home/opsgate/.ssh/authorized_keys",
    });
  });

  it('sudo: a rule whose host list does not match this host is not judged here, as sudo ignores it', async () => {
    const truth = await onHost('s-elsewhere', ['sudo', '-n', 'sudo', '-l', '-U', 'mallory']);
    expect(truth.stdout).toMatch(/User mallory is not allowed to run sudo on s-elsewhere/);
    const r = row('s-elsewhere', 'access.sudoers');
    expect(r.status).toBe('pass');
    expect(r.observed).toMatch(/for other hosts: \/etc\/sudoers\.d\/50-drift-1:1$/);
  });

  it('Match Host: with UseDNS yes a client name the Match names is a context; without UseDNS sshd matches Host against the address', async () => {
    const truth = await onHost('m-host', ['sudo', '-n', 'sshd', '-T', '-C', 'user=opsgate,host=x.corp.example,addr=203.0.113.10']);
    expect(truth.stdout).toMatch(/^passwordauthentication yes$/m);
    const r = row('m-host', 'ssh.password-auth');
    expect(r).toMatchObject({ status: 'fail', severity: 'high' });
    expect(r.reason).toContain('Match context user=opsgate,host=x.corp.example,addr=203.0.113.10: passwordauthentication is yes');
    expect(r.reason).not.toContain('host=203.0.113.10');
    expect(row('m-host-nodns', 'ssh.password-auth').status).toBe('pass');
  });

  it('Match blocks: each context that weakens a checked option fails and is named', async () => {
    const truth = await onHost('m-match', ['sudo', '-n', 'sshd', '-T', '-C', 'user=deploy,host=203.0.113.10,addr=203.0.113.10']);
    expect(truth.stdout).toMatch(/^passwordauthentication yes$/m);
    expect(brief(row('m-match', 'ssh.password-auth'))).toEqual({
      status: 'fail',
      severity: 'high',
      reason: 'Match context user=deploy,host=203.0.113.10,addr=203.0.113.10: passwordauthentication is yes; Match context user=deploy,host=10.0.0.0,addr=10.0.0.0: passwordauthentication is yes',
      evidence: 'sshd -T -C user=deploy,host=203.0.113.10,addr=203.0.113.10',
    });
    const root = row('m-match', 'ssh.permit-root-login');
    expect(root).toMatchObject({ status: 'fail', severity: 'high', evidence: 'sshd -T -C user=root,host=10.0.0.0,addr=10.0.0.0' });
    expect(root.reason).toContain('Match context user=root,host=10.0.0.0,addr=10.0.0.0: permitrootlogin is yes');
    expect(root.reason).not.toContain('203.0.113.10');
    expect(row('k-files', 'ssh.password-auth').status).toBe('pass');
  });

  it('a config changed after the daemon started: reload pending warning', () => {
    const r = row('r-reload', 'ssh.permit-root-login');
    expect(r).toMatchObject({ status: 'pass', level: 'warn', severity: 'high', evidence: "sshd -T -f CONFIG (the running daemon's -f)" });
    // The file named is the one the daemon reads (its -f), not /etc/ssh/sshd_config.
    // This host's sshd runs with PidFile none: whether it reloaded since cannot be told (ssh.config-loaded).
    expect(r.reason).toMatch(
      /^reload may be pending: \S+\/r-reload\/etc\/ssh\/sshd_config changed \S+, after the running sshd \(pid \d+\) started \S+, and whether it reloaded since cannot be told: PidFile none/,
    );
    expect(row('k-files', 'ssh.permit-root-login').level).toBeUndefined();
  });

  it("the daemon's own -f and its -o options are what sshd -T is given, not /etc/ssh/sshd_config alone", async () => {
    // Ground truth: the listener's command line, and root's login offered by the daemon that reads it.
    const listener = 'p=$$; l=; while [ "$p" -gt 1 ]; do [ "$(cat /proc/$p/comm)" = sshd ] && l=$p; p=$(awk \'{ print $4 }\' /proc/$p/stat); done; tr "\\0" " " < /proc/$l/cmdline';
    const args = await onHost('d-option', ['sh', '-c', listener]);
    expect(args.stdout).toContain('-o PermitRootLogin=yes');
    const clean = await onHost('d-elsewhere', ['sudo', '-n', 'grep', '-i', '^PermitRootLogin', '/etc/ssh/sshd_config']);
    expect(clean.stdout.trim()).toBe('PermitRootLogin no');
    for (const host of ['d-elsewhere', 'd-option']) {
      expect(brief(row(host, 'ssh.permit-root-login'))).toMatchObject({ status: 'fail', severity: 'high', evidence: "sshd -T -f CONFIG (the running daemon's -f)" });
      expect(row(host, 'ssh.permit-root-login').observed).toBe('permitrootlogin yes');
    }
  });

  it('Match LocalPort: sshd -T needs a port; the global view and every listening port are read, the weakening is named', async () => {
    const bare = await onHost('m-localport', ['sudo', '-n', 'sh', '-c', 'sshd -T 2>&1 >/dev/null; echo "exit $?"']);
    expect(bare.stdout).toMatch(/'Match LocalPort' in configuration but 'lport' not in connection test specification[\s\S]*exit 255/);
    const truth = await onHost('m-localport', ['sudo', '-n', 'sshd', '-T', '-C', 'user=opsgate,host=203.0.113.10,addr=203.0.113.10,laddr=127.0.0.1,lport=22']);
    expect(truth.stdout).toMatch(/^passwordauthentication yes$/m);
    const r = row('m-localport', 'ssh.password-auth');
    expect(r).toMatchObject({ status: 'fail', severity: 'high' });
    expect(r.evidence).toMatch(/^sshd -T -C user=\w+,host=203\.0\.113\.10,addr=203\.0\.113\.10,laddr=127\.0\.0\.1,lport=22$/);
    expect(r.reason).toContain('Match context user=opsgate,host=203.0.113.10,addr=203.0.113.10,laddr=127.0.0.1,lport=22: passwordauthentication is yes');
    expect(r.observed).toMatch(/^passwordauthentication no; \d+ Match contexts evaluated, \d+ differ$/);
    expect(row('m-localport', 'ssh.permit-root-login').status).toBe('pass');
  });

  it('sudo: includes followed, skipped files skipped, aliases, %group and Defaults !authenticate resolved; sudo -l agrees', async () => {
    const truth = await onHost('s-sudo', ['sudo', '-n', 'sudo', '-l', '-U', 'deploy']);
    expect(truth.stdout).toContain('(root) NOPASSWD: /bin/bash');
    expect(truth.stdout).not.toMatch(/\(ALL\) NOPASSWD: ALL/);
    expect(brief(row('s-sudo', 'access.sudoers'))).toEqual({
      status: 'fail',
      severity: 'high',
      reason:
        'undeclared: /etc/sudoers.d/nested/inner:3 deploy (WEB → deploy) (root) NOPASSWD /bin/bash; /etc/sudoers.d/70-staff:2 ops (%staff → ops) (root) NOPASSWD through Defaults !authenticate at /etc/sudoers.d/70-staff:1 /usr/bin/vim',
      evidence: expect.stringMatching(/^cat \/etc\/sudoers and every file it includes \(@include, @includedir\); sudo -l -U \S*deploy\|ops\S*$/),
    });
    expect(row('s-sudo', 'access.sudoers').observed).toContain('skipped by sudo: /etc/sudoers.d/deploy.conf, /etc/sudoers.d/old~');
  });

  it('privileged groups, primary and supplementary, against grants', async () => {
    expect((await onHost('g-groups', ['sudo', '-n', 'sudo', '-l', '-U', 'deploy'])).stdout).toContain('(ALL : ALL) ALL');
    expect(brief(row('g-groups', 'groups.privileged'))).toEqual({
      status: 'fail',
      severity: 'critical',
      reason: 'deploy is a member of sudo (supplementary group) without a grant that gives root; svc is a member of disk (primary group) without a grant that gives root',
      evidence: 'cat /etc/group; cat /etc/passwd',
    });
    expect(row('k-files', 'groups.privileged').status).toBe('pass');
  });

  it('accounts: empty password with a login shell is critical; shells judged by their bytes; password age; a last line without newline', () => {
    expect(brief(row('a-accts', 'accounts.empty-password'))).toEqual({
      status: 'fail',
      severity: 'critical',
      reason: 'guest (uid 1005, shell /bin/bash) has an empty password field in /etc/shadow',
      evidence: 'awk -F: (state and aging fields of /etc/shadow, never the hash); cat /etc/passwd',
    });
    expect(brief(row('a-accts', 'accounts.declared'))).toEqual({
      status: 'fail',
      severity: 'critical',
      reason:
        'guest (uid 1005) is not declared by any current grant; sneaky (uid 1006) is not declared by any current grant (/mnt/bin/nologin can start a session (not listed in /etc/shells)); aged (uid 1008) is not declared by any current grant',
      evidence: 'cat /etc/passwd; cksum SHELL… /usr/sbin/nologin /bin/false…; cat /etc/shells',
    });
    expect(brief(row('a-accts', 'accounts.password-age'))).toEqual({
      status: 'fail',
      severity: 'medium',
      reason: 'aged: shadow maximum is 99999 days (limit 90)',
      evidence: "chage -l ACCOUNT (awk -F: (state and aging fields of /etc/shadow, never the hash)); grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
    });
  });

  it('file checks see POSIX ACLs', async () => {
    expect((await onHost('f-acl', ['sudo', '-n', 'getfacl', '-p', '/etc/shadow'])).stdout).toContain('user:nobody:r--');
    expect(brief(row('f-acl', 'file.shadow-mode'))).toEqual({
      status: 'fail',
      severity: 'high',
      reason: 'ACL grants user nobody r--',
      evidence: "stat -c '%a %U %G' /etc/shadow; getfacl -p /etc/shadow",
    });
    expect(row('k-files', 'file.shadow-mode').status).toBe('pass');
  });

  it("backups per host in a shared repository: another host's fresh snapshot does not make a stale host pass", () => {
    const stale = row('b-stale', 'backup.freshness');
    expect(stale).toMatchObject({ status: 'fail', severity: 'high', evidence: 'restic -r REPOSITORY snapshots --json --host b-stale' });
    expect(stale.reason).toMatch(/^db-daily: newest snapshot of b-stale is [0-9a-f]{8} at \S+, 50(\.\d)? h old; RPO is 24 h \(2 snapshots of other hosts or policies in the repository not counted\)$/);
    expect(row('b-fresh', 'backup.freshness')).toMatchObject({ status: 'pass' });
  });
});
