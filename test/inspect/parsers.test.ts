import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatherFacts } from '../../scripts/inspect/gather-facts.ts';
import { parseAuthorizedKeyLine, parseAuthorizedKeys } from '../../scripts/inspect/parse-access.ts';
import { parseListen } from '../../scripts/inspect/parse-network.ts';
import { splitSections } from '../../scripts/inspect/parse-sections.ts';
import { parseResticSnapshots, parseSysctlPersisted, parseSysctlRunning, persistedFor } from '../../scripts/inspect/parse-sysctl.ts';
import { parseDf, parseFileMeta, parseLoginDefs, parseMeminfo, parsePackages, parsePasswd, parseShadowMeta, parseSshdT } from '../../scripts/inspect/parse-system.ts';
import { buildProbeScript } from '../../scripts/inspect/probe.ts';

const B = 'OGB-fixture-boundary-0001';
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../fixtures/inspect', name), 'utf8');

describe('captured probe output (real sshd fleet hosts)', () => {
  const web = splitSections(fixture('probe-web-01.txt'), B);
  const db = splitSections(fixture('probe-db-01.txt'), B);
  if (!web.ok || !db.ok) throw new Error('fixtures do not split');
  const f = gatherFacts('web-01', web.sections, [], B);
  const g = gatherFacts('db-01', db.sections, ['db-daily'], B);

  it('splits every section with its exit status', () => {
    expect([...web.sections.keys()]).toEqual(
      expect.arrayContaining([
        'identity',
        'os-release',
        'sshd',
        'listen',
        'login-defs',
        'passwd',
        'group',
        'shadow',
        'shells',
        'authorized-keys',
        'sudoers',
        'sudo-list',
        'packages',
        'sysctl-persisted',
        'disk',
        'memory',
        'load',
        'files',
        'sysctl-running',
      ]),
    );
    for (const s of web.sections.values()) expect(s.exitCode).toBe(0);
  });

  it('reads the facts the fleet planted on web-01', () => {
    expect(f.identity).toMatchObject({ ok: true, value: { uid: 0, hostname: 'web-01' } });
    expect(f.osRelease.ok && f.osRelease.value.ID).toBe('debian');
    expect(f.sshd.ok && f.sshd.value.permitrootlogin).toEqual(['yes']);
    expect(f.listen.ok && [...f.listen.value].sort((a, b) => a.port - b.port)).toEqual([
      { proto: 'tcp', address: '127.0.0.1', port: 22 },
      { proto: 'tcp', address: '0.0.0.0', port: 23 },
    ]);
    expect(f.loginDefs.ok && f.loginDefs.value.PASS_MAX_DAYS).toBe('90');
    expect(f.passwd.ok && f.passwd.value.filter((a) => a.uid === 0).map((a) => a.name)).toEqual(['root', 'toor']);
    expect(f.shadow.ok && f.shadow.value.every((s) => s.state === 'locked')).toBe(true);
    expect(f.authorizedKeys.ok && f.authorizedKeys.value.map((k) => `${k.account} ${k.file}:${k.line}`)).toEqual(['opsgate /home/opsgate/.ssh/authorized_keys:1']);
    expect(f.authorizedKeyFiles.ok && f.authorizedKeyFiles.value.tokens).toBe('.ssh/authorized_keys .ssh/authorized_keys2');
    // The daemon's own -f (the fleet's copy), not /etc/ssh/sshd_config.
    expect(f.sshdRuntime.ok && f.sshdRuntime.value.configFiles.map((c) => c.path)).toEqual(['/srv/og-fleet/web-01/etc/ssh/sshd_config']);
    expect(f.sshdRuntime.ok && f.sshdRuntime.value.daemon?.startedAt).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(f.sshdContexts.ok && f.sshdContexts.value).toEqual([]);
    expect(f.shells.ok && f.shells.value.shells.get('/bin/sh')).toBeNull();
    expect(f.shells.ok && f.shells.value.shells.get('/usr/sbin/nologin')).toBe('/usr/sbin/nologin');
    expect(f.sudoList.ok && f.sudoList.value.find((l) => l.account === 'deploy')?.allowed).toEqual([
      { runas: 'root', nopasswd: true, command: '/usr/bin/systemctl restart nginx' },
      { runas: 'root', nopasswd: true, command: '/usr/bin/journalctl' },
    ]);
    expect(f.sudoers.ok && f.sudoers.value.files).toEqual(expect.arrayContaining(['/etc/sudoers', '/etc/sudoers.d/opsgate', '/etc/sudoers.d/50-drift-0']));
    expect(f.sudoers.ok && f.sudoers.value.rules.map((r) => `${r.who} ${r.runas} ${r.nopasswd} ${r.commands.join(',')}`)).toEqual(
      expect.arrayContaining(['root ALL false ALL', '%sudo ALL false ALL', 'opsgate root true ALL', 'deploy root true /usr/bin/systemctl restart nginx,/usr/bin/journalctl']),
    );
    expect(f.packages.ok && f.packages.value.get('openssh-server')?.installed).toBe(true);
    expect(f.files.ok && f.files.value.get('/etc/passwd')).toMatchObject({ exists: true, mode: 0o666, owner: 'root' });
    expect(f.files.ok && f.files.value.get('/etc/nonexistent')).toEqual({ path: '/etc/nonexistent', exists: false });
    expect(f.sysctlRunning.ok && Object.fromEntries(f.sysctlRunning.value)).toMatchObject({ 'net.ipv4.ip_forward': '1', 'net.ipv4.ip_local_port_range': '32768 60999', 'no.such.key': null });
    expect(f.sysctlPersisted.ok && f.sysctlPersisted.value.get('net.ipv4.ip_forward')).toMatchObject({ value: '0', file: '/etc/sysctl.d/60-hardening.conf' });
    expect(f.disk.ok && f.disk.value.find((d) => d.mount === '/mnt')).toMatchObject({ type: 'tmpfs', usedPercent: 96 });
    expect(f.memory.ok && f.memory.value.totalKb).toBeGreaterThan(0);
    expect(f.load.ok && f.load.value.cpus).toBeGreaterThan(0);
  });

  it('reads restic snapshots', () => {
    const r = g.restic.get('db-daily')!;
    expect(r.ok && r.value.map((s) => s.time)).toEqual(['2026-11-20T01:00:00Z', '2026-11-21T01:00:00Z']);
  });

  it('never carries a password hash: shadow lines are name:state:aging', () => {
    const text = web.sections.get('shadow')!.stdout;
    expect(text).not.toMatch(/\$[0-9a-z]+\$/);
    expect(text.split('\n')[0]).toMatch(/^root:(set|locked|empty):/);
  });
});

describe('splitSections', () => {
  it('calls output without markers garbage', () => {
    const r = splitSections('Welcome to the jungle\n 9f 00 ff', B);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/no section markers/);
  });
  it('reports a cut-off section', () => {
    const r = splitSections(`${B} begin passwd\nroot:x:0:0::/root:/bin/sh\n`, B);
    expect(!r.ok && r.reason).toMatch(/ends inside section 'passwd'/);
  });
  it('keeps output that contains look-alike markers of another boundary as data', () => {
    const r = splitSections(`${B} begin x\nOGB-other begin y\n\n${B} stderr x\n\n${B} end x 0\n`, B);
    expect(r.ok && r.sections.get('x')!.stdout).toBe('OGB-other begin y\n');
  });
});

describe('section errors become fact errors with the reason', () => {
  it('a permission failure says so', () => {
    const s = splitSections(`${B} begin shadow\n\n${B} stderr shadow\nawk: cannot open /etc/shadow (Permission denied)\n${B} end shadow 2\n`, B);
    const f = gatherFacts('h', s.ok ? s.sections : new Map(), [], B);
    expect(f.shadow).toMatchObject({ ok: false });
    expect(!f.shadow.ok && f.shadow.reason).toMatch(/^insufficient privileges: .* failed with exit 2: awk: cannot open/);
    expect(!f.passwd.ok && f.passwd.reason).toMatch(/missing from the probe output/);
  });
});

describe('parsers on hand-written variants', () => {
  it('reads /proc/net tables when ss is absent', () => {
    const text = [
      '#proc tcp',
      '  sl  local_address rem_address   st',
      '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000',
      '   1: 00000000:0017 00000000:0000 0A 0',
      '   2: 0100007F:0016 0100007F:A000 01 0',
      '#proc tcp6',
      '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 0',
      '#proc udp',
      '   0: 00000000:0044 00000000:0000 07 0',
    ].join('\n');
    expect(parseListen(text)).toEqual([
      { proto: 'tcp', address: '127.0.0.1', port: 22 },
      { proto: 'tcp', address: '0.0.0.0', port: 23 },
      { proto: 'tcp', address: '::', port: 80 },
      { proto: 'udp', address: '0.0.0.0', port: 68 },
    ]);
  });
  it('reads ss with IPv6 and interface scopes', () => {
    expect(parseListen('#ss\ntcp LISTEN 0 128 [::]:22 [::]:*\nudp UNCONN 0 0 [fe80::1%eth0]:546 [::]:*\n')).toEqual([
      { proto: 'tcp', address: '::', port: 22 },
      { proto: 'udp', address: 'fe80::1', port: 546 },
    ]);
  });
  it('applies systemd-sysctl precedence: by file name, /etc hides /usr/lib, later wins', () => {
    const file = (name: string, ...lines: string[]) => `${B} file ${name}\n${lines.join('\n')}\n\n${B} eof 0\n`;
    const text = [
      file('/etc/sysctl.d/99-sysctl.conf', 'net.ipv4.ip_forward = 0'),
      file('/etc/sysctl.d/10-a.conf', 'net.ipv4.ip_forward=1', 'kernel/randomize_va_space = 2'),
      file('/usr/lib/sysctl.d/50-default.conf', 'net.ipv4.tcp_syncookies = 0', '-fs.suid_dumpable = 1'),
      file('/etc/sysctl.d/50-default.conf', 'net.ipv4.tcp_syncookies = 1'),
      file('/etc/sysctl.conf', 'net.ipv4.ip_forward = 0'),
    ].join('');
    const m = parseSysctlPersisted(text, B);
    expect(m.get('net.ipv4.ip_forward')).toMatchObject({ value: '0', file: '/etc/sysctl.d/99-sysctl.conf' });
    expect(m.get('net.ipv4.tcp_syncookies')).toMatchObject({ value: '1', file: '/etc/sysctl.d/50-default.conf' });
    expect(m.get('kernel.randomize_va_space')?.value).toBe('2');
    expect(m.has('fs.suid_dumpable')).toBe(false);
  });
  it('reads /etc/sysctl.conf itself only where procps applies sysctls at boot; globs only under systemd-sysctl', () => {
    const file = (name: string, ...lines: string[]) => `${B} file ${name}\n${lines.join('\n')}\n\n${B} eof 0\n`;
    const body = file('/etc/sysctl.d/60-a.conf', 'net.ipv4.conf.*.rp_filter = 2', 'net.ipv4.conf.lo.rp_filter = 0') + file('/etc/sysctl.conf', 'net.ipv4.ip_forward = 1');
    const procps = parseSysctlPersisted(file('@boot procps', '') + body, B);
    expect(procps.get('net.ipv4.ip_forward')).toEqual({ value: '1', file: '/etc/sysctl.conf', line: 1 });
    expect(persistedFor(procps, 'net.ipv4.conf.all.rp_filter')).toBeUndefined();
    const sd = parseSysctlPersisted(file('@boot systemd-sysctl', '') + body, B);
    expect(persistedFor(sd, 'net.ipv4.ip_forward')).toMatchObject({ value: '1', unread: expect.stringContaining('does not read /etc/sysctl.conf') });
    expect(persistedFor(sd, 'net.ipv4.conf.all.rp_filter')).toMatchObject({ value: '2', file: '/etc/sysctl.d/60-a.conf', line: 1 });
    expect(persistedFor(sd, 'net.ipv4.conf.lo.rp_filter')).toMatchObject({ value: '0', line: 2 });
    expect(persistedFor(sd, 'net.ipv4.conf.all.accept_redirects')).toBeUndefined();
  });
  it('reads authorized_keys options with quoted spaces', () => {
    const k = parseAuthorizedKeyLine('from="10.0.0.1",command="echo hi there" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILvGhb3Xc3LdmSZEy314LOC8to8VhKetmmEkVbhUK4xz alice@x');
    expect(k).toMatchObject({ type: 'ssh-ed25519', comment: 'alice@x', options: 'from="10.0.0.1",command="echo hi there"' });
    expect(parseAuthorizedKeys(`${B} file bob\t/home/bob/.ssh/authorized_keys\n# no\n\ngarbage line\n\n${B} eof 0\n`, B).keys).toEqual([]);
  });
  it.each([
    ['passwd', () => parsePasswd('root:x:zero:0::/root:/bin/sh')],
    ['shadow', () => parseShadowMeta('root:$6$hash:1:2:3:4:5:6')],
    ['df', () => parseDf('nonsense')],
    ['sshd -T', () => parseSshdT('port 22')],
    ['meminfo', () => parseMeminfo('Nothing: 1')],
    ['packages', () => parsePackages('only-a-name')],
    ['file meta', () => parseFileMeta('rwx root root file /x')],
    ['sysctl running', () => parseSysctlRunning('nonsense line here')],
    ['restic', () => parseResticSnapshots('not json')],
  ])('%s refuses output it does not understand', (_n, parse) => {
    expect(parse).toThrow();
  });
  it('reads login.defs with tabs and rpm package lists', () => {
    expect(parseLoginDefs('PASS_MAX_DAYS\t90\nUMASK   027\n')).toEqual({ PASS_MAX_DAYS: '90', UMASK: '027' });
    expect(parsePackages('bash\t5.2-1\tii \nopenssl:amd64\t3.0\trc \n').get('openssl')).toEqual({ name: 'openssl', version: '3.0', installed: false });
  });
  it('counts a package installed by its state, whatever is wanted of it: held, marked for removal or half-configured', () => {
    const p = parsePackages('telnetd\t0.17\thi \nnis\t4.0\tri \nrsh\t0.1\tiF \nftp\t1.0\tiUR\nold\t1.0\trc \ngone\t1.0\tun \n');
    expect([...p.values()].filter((x) => x.installed).map((x) => x.name)).toEqual(['telnetd', 'nis', 'rsh', 'ftp']);
  });
});

describe('buildProbeScript', () => {
  it('quotes file paths, drops malformed sysctl keys and exports the restic password only inside its section', () => {
    const s = buildProbeScript({
      boundary: 'OGB-0123456789abcdef',
      files: ["/etc/it's"],
      sysctlKeys: ['net.ipv4.ip_forward', 'x;rm -rf /'],
      restic: [{ policy: 'p', repository: '/srv/r', password: "pa'ss" }],
    });
    expect(s).toContain(`'/etc/it'\\''s'`);
    expect(s).not.toContain('x;rm');
    expect(s).toMatch(/\( RESTIC_PASSWORD='pa'\\''ss'; export RESTIC_PASSWORD; restic -r \/srv\/r/);
    expect(() => buildProbeScript({ boundary: 'short', files: [], sysctlKeys: [], restic: [] })).toThrow();
    expect(() => buildProbeScript({ boundary: 'OGB-0123456789abcdef', files: ['relative'], sysctlKeys: [], restic: [] })).toThrow(/not absolute/);
  });
});

describe('probeNeeds', () => {
  it('gathers only the sections the checks in scope read', async () => {
    const { probeNeeds } = await import('../../scripts/inspect/evaluate.ts');
    const c = (type: string, params: Record<string, unknown> = {}) => ({ id: `x.${type}`, title: 't', severity: 'low' as const, type, params, rationale: 'r', remediation: 'm' });
    const needs = probeNeeds([{ id: 'b', title: 'b', checks: [c('sshd_option'), c('file_mode', { path: '/etc/passwd' }), c('sysctl', { key: 'net.ipv4.ip_forward' })] }]);
    expect(needs).toEqual({ sections: ['identity', 'os-release', 'sshd', 'sysctl-persisted'], files: ['/etc/passwd'], sysctlKeys: ['net.ipv4.ip_forward'] });
    expect(probeNeeds([{ id: 'b', title: 'b', checks: [c('port_allowlist')] }]).sections).toEqual(['identity', 'os-release', 'listen']);
    const script = buildProbeScript({ boundary: 'OGB-0123456789abcdef', ...needs, restic: [] });
    expect(script).toContain('sec sshd;');
    expect(script).not.toContain('dpkg-query');
    expect(script).not.toContain('sudo -n -l -U');
  });
});
