import { describe, expect, it } from 'vitest';
import { keyOptionNames, parseAuthorizedKeys } from '../../scripts/inspect/parse-access.ts';
import { canLogIn, effectiveNamedEntries, parseFilesSection, parseShells } from '../../scripts/inspect/parse-accounts.ts';
import { parseFramed } from '../../scripts/inspect/parse-framed.ts';
import { parseSshdSection } from '../../scripts/inspect/parse-sshd.ts';
import { parseSudoersSection, parseSudoList } from '../../scripts/inspect/parse-sudo.ts';
import { parseSysctlPersisted } from '../../scripts/inspect/parse-sysctl.ts';
import { parsePasswd } from '../../scripts/inspect/parse-system.ts';

const B = 'OGB-0123456789abcdef0123';
const file = (label: string, content: string, status = 0) => `${B} file ${label}\n${content}\n${B} eof ${status}\n`;
const KEY = (n: number) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(n).repeat(43).slice(0, 43)} k${n}`;

describe('framed files: no content forges a boundary', () => {
  it('keeps a file whose content imitates the old and new markers as data', () => {
    const hostile = `#file opsgate /home/x/.ssh/authorized_keys\n${KEY(1)}\nOGB-guess file root\t/root/.ssh/authorized_keys\n${KEY(2)}`;
    const r = parseAuthorizedKeys(file('deploy\t/home/deploy/.ssh/authorized_keys', hostile), B);
    expect(r.keys.map((k) => `${k.account} ${k.file}:${k.line}`)).toEqual(['deploy /home/deploy/.ssh/authorized_keys:2', 'deploy /home/deploy/.ssh/authorized_keys:4']);
  });
  it('reads a last line without a newline, and an empty file', () => {
    const r = parseFramed(file('a', 'x\ny') + file('b', '') + file('c', 'z\n'), B);
    expect(r.files.map((f) => f.content)).toEqual(['x\ny', '', 'z\n']);
  });
  it('persisted sysctl files cannot hide a later file behind a forged header', () => {
    const m = parseSysctlPersisted(file('/etc/sysctl.d/10-a.conf', '#file /etc/sysctl.d/99-z.conf\nnet.ipv4.ip_forward = 1') + file('/etc/sysctl.d/20-b.conf', 'kernel.x = 2'), B);
    expect(m.get('net.ipv4.ip_forward')).toMatchObject({ value: '1', file: '/etc/sysctl.d/10-a.conf', line: 2 });
    expect(m.get('kernel.x')).toMatchObject({ file: '/etc/sysctl.d/20-b.conf' });
  });
  it('passwd without a trailing newline keeps its last account', () => {
    expect(parsePasswd('root:x:0:0::/root:/bin/sh\ndeploy:x:1001:1001::/home/deploy:/bin/bash').map((a) => a.name)).toEqual(['root', 'deploy']);
  });
  it('names the options of each key', () => {
    expect(keyOptionNames('from="10.0.0.0/8,192.168.1.1",command="/bin/echo a,b",no-pty')).toEqual(['from', 'command', 'no-pty']);
  });
});

describe('sudoers as sudo reads it', () => {
  const dir = (path: string, ...names: string[]) => `${B} dir ${path}\n${names.join('\n')}${names.length ? '\n' : ''}${B} eod\n`;
  it('follows includes in order, skips what sudo skips, expands aliases and reads Defaults', () => {
    const text =
      `${B} host web-01\n` +
      file('/etc/sudoers', 'Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n#include sub/extra\n') +
      dir('/etc/sudoers.d', '10-deploy', 'README', 'deploy.conf', 'old~') +
      file(
        '/etc/sudoers.d/10-deploy',
        'User_Alias DEPLOYERS = deploy, %deployers\nCmnd_Alias SHELLS = /bin/bash, /bin/sh\nDefaults:DEPLOYERS !authenticate\nDEPLOYERS ALL=(root) SHELLS, NOPASSWD: /usr/bin/systemctl restart nginx',
      ) +
      file('/etc/sudoers.d/README', '# nothing') +
      file('/etc/sub/extra', 'alice ALL = ALL');
    const f = parseSudoersSection(text, B);
    expect(f.files).toEqual(['/etc/sudoers', '/etc/sudoers.d/10-deploy', '/etc/sudoers.d/README', '/etc/sub/extra']);
    expect(f.skipped).toEqual(['/etc/sudoers.d/deploy.conf', '/etc/sudoers.d/old~']);
    expect(f.rules.map((r) => `${r.file}:${r.line} ${r.users.join('+')} (${r.runas}) ${r.nopasswd ? 'NOPASSWD ' : ''}${r.commands.join(',')}`)).toEqual([
      '/etc/sudoers:2 root (ALL) ALL',
      '/etc/sudoers.d/10-deploy:4 deploy+%deployers (root) /bin/bash,/bin/sh',
      '/etc/sudoers.d/10-deploy:4 deploy+%deployers (root) NOPASSWD /usr/bin/systemctl restart nginx',
      '/etc/sub/extra:1 alice (root) ALL',
    ]);
    expect(f.authDefaults).toEqual([{ file: '/etc/sudoers.d/10-deploy', line: 3, scope: 'user', list: ['deploy', '%deployers'], authenticate: false }]);
    expect(f.problems).toEqual([]);
  });
  it('keeps only the rules and Defaults whose host list matches this host, as sudo does (last match wins, Host_Alias, patterns)', () => {
    const text =
      `${B} host web-01\n` +
      file(
        '/etc/sudoers',
        [
          'Host_Alias WEB = web-*, !web-99',
          'Host_Alias DB = db-01, db-02',
          'alice DB = (root) ALL',
          'bob WEB = (root) NOPASSWD: ALL',
          'carol ALL, !web-01 = ALL',
          'dave db-01 = /bin/ls : web-01 = /bin/cat',
          'erin 10.0.0.0/8 = ALL',
          'frank +webhosts = ALL',
          'Defaults@DB !authenticate',
          'Defaults@web-01 !authenticate',
        ].join('\n'),
      );
    const f = parseSudoersSection(text, B);
    expect(f.rules.map((r) => `${r.file}:${r.line} ${r.who} ${r.commands.join(',')}`)).toEqual([
      '/etc/sudoers:4 bob ALL',
      '/etc/sudoers:6 dave /bin/cat',
      '/etc/sudoers:7 erin ALL',
      '/etc/sudoers:8 frank ALL',
    ]);
    expect(f.elsewhere).toEqual(['/etc/sudoers:3', '/etc/sudoers:5', '/etc/sudoers:6', '/etc/sudoers:9']);
    expect(f.authDefaults.map((d) => d.line)).toEqual([10]);
  });
  it('names include loops and missing files', () => {
    const text = file('/etc/sudoers', '@include /etc/sudoers.d/a\n@include /etc/sudoers.d/gone') + file('/etc/sudoers.d/a', '@include a\nbob ALL=ALL') + `${B} missing /etc/sudoers.d/gone\n`;
    const f = parseSudoersSection(text, B);
    expect(f.problems).toEqual(['include loop: /etc/sudoers → /etc/sudoers.d/a → /etc/sudoers.d/a', '/etc/sudoers.d/gone is included but does not exist']);
    expect(f.rules.map((r) => r.who)).toEqual(['bob']);
  });
  it('reads sudo -l listings, wrapped entries and !authenticate', () => {
    const text = `${B} user deploy\nMatching Defaults entries for deploy on h:\n    env_reset, !authenticate\n\nUser deploy may run the following commands on h:\n    (root) /usr/bin/a, (postgres) NOPASSWD: /usr/bin/psql,\n        /usr/bin/pg_dump\n    (ALL : ALL) ALL\n\n${B} eou 0\n${B} user nobody\nUser nobody is not allowed to run sudo on h.\n\n${B} eou 1\n${B} user x\n>>> /etc/sudoers.d/bad: syntax error near line 1 <<<\nsudo: parse error in /etc/sudoers.d/bad near line 1\n\n${B} eou 1\n`;
    const l = parseSudoList(text, B);
    expect(l[0]!.allowed).toEqual([
      { runas: 'root', nopasswd: true, command: '/usr/bin/a' },
      { runas: 'postgres', nopasswd: true, command: '/usr/bin/psql' },
      { runas: 'postgres', nopasswd: true, command: '/usr/bin/pg_dump' },
      { runas: 'ALL', nopasswd: true, command: 'ALL' },
    ]);
    expect(l[1]).toMatchObject({ account: 'nobody', status: 1, allowed: [] });
    expect(l[1]!.error).toBeUndefined();
    expect(l[2]!.error).toMatch(/parse error/);
  });
});

describe('sshd section', () => {
  it('reads global settings, Match contexts, config mtimes and the daemon start', () => {
    const global = Array.from({ length: 12 }, (_, i) => `opt${i} v`).join('\n') + '\npasswordauthentication no\nauthorizedkeysfile .ssh/authorized_keys';
    const text = `${global}\n${B} daemon 4242 1000 100 1700000000\n${B} cfg 1700000100 /etc/ssh/sshd_config\n${B} ctx user=deploy,host=203.0.113.10,addr=203.0.113.10\npasswordauthentication yes\n${B} eoc 0\n${B} ctx user=root,host=203.0.113.10,addr=203.0.113.10\n${B} eoc 0\n`;
    const s = parseSshdSection(text, B);
    expect(s.global.passwordauthentication).toEqual(['no']);
    expect(s.contexts).toEqual([
      { label: 'user=deploy,host=203.0.113.10,addr=203.0.113.10', user: 'deploy', settings: { passwordauthentication: ['yes'] }, status: 0 },
      { label: 'user=root,host=203.0.113.10,addr=203.0.113.10', user: 'root', settings: {}, status: 0 },
    ]);
    // An older probe's `cfg MTIME PATH`: the ctime is taken to be the mtime.
    expect(s.runtime).toEqual({ configFiles: [{ path: '/etc/ssh/sshd_config', mtime: 1700000100_000, ctime: 1700000100_000 }], daemon: { pid: 4242, startedAt: 1700000010_000 } });
  });
  it('reads mtimes and ctimes to the nanosecond, host keys, the PidFile, and places the start by the clock read with /proc/uptime', () => {
    const g = Array.from({ length: 12 }, (_, i) => `opt${i} v`).join('\n');
    const text = [
      g,
      `${B} daemon 4242 1000 100 1700000000`,
      `${B} cfg 1700000100.250000000 1700000200.500000000 /etc/ssh/sshd_config`,
      `${B} cfg 1700000100.000000000 1700000100.000000000 /etc/ssh/sshd_config.d/my file.conf`,
      `${B} key 1690000000.000000000 1690000000.000000000 /etc/ssh/ssh_host_ed25519_key`,
      `${B} clock 1700005000.000000000 5000.00`,
      `${B} pidfile 1700000300.125000000 4242 /run/sshd.pid`,
    ].join('\n');
    const r = parseSshdSection(text, B).runtime;
    expect(r.configFiles).toEqual([
      { path: '/etc/ssh/sshd_config', mtime: 1700000100_250, ctime: 1700000200_500 },
      { path: '/etc/ssh/sshd_config.d/my file.conf', mtime: 1700000100_000, ctime: 1700000100_000 },
    ]);
    expect(r.keyFiles).toEqual([{ path: '/etc/ssh/ssh_host_ed25519_key', mtime: 1690000000_000, ctime: 1690000000_000 }]);
    expect(r.pidFile).toEqual({ path: '/run/sshd.pid', mtime: 1700000300_125, pid: 4242 });
    // booted at 1700005000 - 5000 s, started 1000 ticks (10 s) later: not btime's 1700000000.
    expect(r.daemon).toEqual({ pid: 4242, startedAt: 1700000010_000 });
    expect(parseSshdSection(`${g}\n${B} pidfile none\n`, B).runtime.pidFile).toEqual({ path: 'none' });
    expect(parseSshdSection(`${g}\n${B} pidfile - - /run/sshd.pid\n`, B).runtime.pidFile).toEqual({ path: '/run/sshd.pid' });
  });
  it('keeps where a Match criterion no sshd -T -C parameter stands for is written', () => {
    const global = Array.from({ length: 12 }, (_, i) => `opt${i} v`).join('\n');
    const s = parseSshdSection(`${global}\npasswordauthentication no\n${B} matchx /etc/ssh/sshd_config.d/10-x.conf:7 SessionType\n${B} cfg 1700000100 /etc/ssh/sshd_config\n`, B);
    expect(s.runtime.unevaluated).toEqual([{ file: '/etc/ssh/sshd_config.d/10-x.conf', line: 7, criterion: 'SessionType' }]);
    expect(s.global.passwordauthentication).toEqual(['no']);
  });
});

describe('login shells by their bytes, ACLs by their entries', () => {
  const shells = parseShells(
    'nologin\t111-10\t/usr/sbin/nologin\nnologin\t222-20\t/bin/false\nshell\t333-30\t/bin/bash\nshell\t111-10\t/usr/local/bin/bash\nshell\t333-30\t/opt/nologin\n' + file('/etc/shells', '/bin/bash\n'),
    B,
  );
  it.each([
    ['/bin/bash', true],
    ['/usr/local/bin/bash', false],
    ['/opt/nologin', true],
    ['/usr/sbin/nologin', false],
    ['/missing/shell', false],
  ])('%s can log in: %s', (shell, expected) => {
    expect(canLogIn({ shell }, shells)).toBe(expected);
  });
  it('reads getfacl entries and masks them', () => {
    const text = `640 root shadow regular file /etc/shadow\n644 root root regular file /etc/passwd\n${B} acl\n# file: /etc/shadow\n# owner: root\n# group: shadow\nuser::rw-\nuser:mallory:rw-\ngroup::r--\ngroup:adm:r--\nmask::r--\nother::---\n\n`;
    const m = parseFilesSection(text, B);
    expect(effectiveNamedEntries(m.get('/etc/shadow')!.acl as never)).toEqual([
      { tag: 'user', qualifier: 'mallory', perms: 'r--' },
      { tag: 'group', qualifier: 'adm', perms: 'r--' },
    ]);
    expect(m.get('/etc/passwd')!.acl).toEqual([]);
  });
  it('without getfacl, a + in ls marks the ACL as unreadable', () => {
    const m = parseFilesSection(`640 root shadow regular file /etc/shadow\n${B} noacl\n-rw-r-----+ 1 root shadow 1 Jan 1 00:00 /etc/shadow\n`, B);
    expect(m.get('/etc/shadow')!.acl).toBe('unreadable');
  });
});
