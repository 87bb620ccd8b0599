/**
 * The pure side of the service checks (ntp_sync, log_retention, listening_service): parsers fed
 * the daemons' documented output and hostile variants, and every decision of the evaluations.
 * The real thing runs on the fleet in services-fleet.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { evaluateListeningService, evaluateLogRetention, evaluateNtpSync } from '../../scripts/inspect/checks-services.ts';
import { factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef, InventoryHost, PolicyData } from '../../scripts/inspect/model.ts';
import { parseListenProcs } from '../../scripts/inspect/parse-listen-procs.ts';
import { globMatches, parseLogRetention, parseSizeKb, parseTimespan } from '../../scripts/inspect/parse-log-retention.ts';
import { parseNtp } from '../../scripts/inspect/parse-ntp.ts';

const B = 'OGB-0123456789abcdef';
const NOW = new Date('2026-11-30T00:00:00Z');
const hf = (x: Partial<HostFacts>) => x as HostFacts;
const check = (type: string, params: Record<string, unknown> = {}): CheckDef => ({ id: 'c', title: 'c', severity: 'high', type, params, rationale: 'r', remediation: 'r' });
const tool = (name: string, out: string, rc = 0) => `${B} tool ${name}\n${out}\n${B} rc ${rc}\n`;
const ABSENT = tool('chronyc', '', 127) + tool('ntpq', '', 127);
const NO_PID1 = tool('timedatectl', "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down", 1);
const UNSYNC_KERNEL = tool('adjtimex', 'state=5 status=64 maxerror=16000000 esterror=16000000');
const SYNC_KERNEL = tool('adjtimex', 'state=0 status=8193 maxerror=12000 esterror=100');
const CHRONY_OK = `Reference ID    : CB00710F (203.0.113.15)
Stratum         : 3
Ref time (UTC)  : Fri Jan 27 09:49:17 2017
System time     : 0.000006523 seconds slow of NTP time
Last offset     : -0.000006747 seconds
Leap status     : Normal`;
const ntpRow = (text: string, params: Record<string, unknown> = {}) => {
  const o = evaluateNtpSync(check('ntp_sync', params), hf({ ntp: factOk(parseNtp(text, B), 'ntp') }));
  return [o.status, o.observed, o.reason];
};

describe('ntp_sync: a daemon must say so; the kernel alone never passes', () => {
  it('chronyd synchronised to a server: pass, with its own words', () => {
    expect(ntpRow(tool('chronyc', CHRONY_OK) + tool('ntpq', '', 127) + NO_PID1 + UNSYNC_KERNEL)).toEqual([
      'pass',
      'chronyd: reference CB00710F (203.0.113.15), stratum 3, leap status Normal, offset 0 ms',
      '',
    ]);
  });
  it('chronyd synchronised but 2.5 s off: fail against max_offset_ms', () => {
    const off = CHRONY_OK.replace('0.000006523 seconds slow', '2.500000000 seconds fast');
    expect(ntpRow(tool('chronyc', off) + SYNC_KERNEL)[2]).toBe('chronyd is synchronised but the clock is 2500 ms off, more than 1000 ms');
    expect(ntpRow(tool('chronyc', off) + SYNC_KERNEL, { max_offset_ms: 3000 })[0]).toBe('pass');
  });
  it.each([
    ['not synchronised', CHRONY_OK.replace('CB00710F (203.0.113.15)', '00000000 ()').replace('Stratum         : 3', 'Stratum         : 0').replace('Normal', 'Not synchronised')],
    ['its own clock (local stratum), leap Normal', CHRONY_OK.replace('CB00710F (203.0.113.15)', '7F7F0101 ()')],
    ['leap Normal but reference 00000000', CHRONY_OK.replace('CB00710F (203.0.113.15)', '00000000 ()')],
  ])('chronyd %s: fail, never pass', (_n, out) => {
    const [status, , reason] = ntpRow(tool('chronyc', out) + SYNC_KERNEL);
    expect([status, reason]).toEqual(['fail', 'chronyd is not synchronised to a time source']);
  });
  it('ntpd: leap 00 passes, leap 11 / stratum 16 / LOCAL refid fail', () => {
    expect(ntpRow(ABSENT.replace(`${B} tool ntpq\n\n${B} rc 127\n`, tool('ntpq', 'leap=00, stratum=2, offset=-0.158,\nrefid=192.0.2.10')) + UNSYNC_KERNEL).slice(0, 2)).toEqual([
      'pass',
      'ntpd: refid 192.0.2.10, stratum 2, leap 00, offset 0.2 ms',
    ]);
    for (const out of ['leap=11, stratum=16, offset=0.000, refid=INIT', 'leap=00, stratum=16, offset=0.000, refid=INIT', 'leap=00, stratum=10, offset=0.000, refid=LOCAL(0)'])
      expect(ntpRow(tool('ntpq', out) + SYNC_KERNEL)[0]).toBe('fail');
  });
  it('timedatectl: NTP=yes and synchronised passes; NTP=no is no daemon', () => {
    expect(ntpRow(tool('timedatectl', 'Timezone=Asia/Shanghai\nCanNTP=yes\nNTP=yes\nNTPSynchronized=yes') + SYNC_KERNEL)[0]).toBe('pass');
    expect(ntpRow(tool('timedatectl', 'CanNTP=yes\nNTP=yes\nNTPSynchronized=no') + SYNC_KERNEL)[0]).toBe('fail');
    expect(ntpRow(tool('timedatectl', 'CanNTP=no\nNTP=no\nNTPSynchronized=yes') + SYNC_KERNEL)[0]).toBe('error');
  });
  it('no daemon, kernel unsynchronised: fail naming why each client was silent', () => {
    expect(ntpRow(ABSENT + NO_PID1 + UNSYNC_KERNEL)).toEqual([
      'fail',
      "no time-sync daemon answers (chronyc: not installed; ntpq: not installed; timedatectl: System has not been booted with systemd as init system (PID 1). Can't operate.); kernel: TIME_ERROR (unsynchronised)",
      'no time-sync daemon runs on the host and the kernel says its clock is not synchronised (adjtimex: STA_UNSYNC)',
    ]);
  });
  it('no daemon, kernel synchronised (a container on a synchronised machine): error, not pass', () => {
    const [status, observed, reason] = ntpRow(tool('chronyc', '506 Cannot talk to daemon', 1) + tool('ntpq', 'ntpq: read: Connection refused', 1) + NO_PID1 + SYNC_KERNEL);
    expect(status).toBe('error');
    expect(observed).toBe(
      "no time-sync daemon answers (chronyc: 506 Cannot talk to daemon; ntpq: ntpq: read: Connection refused; timedatectl: System has not been booted with systemd as init system (PID 1). Can't operate.); kernel: TIME_OK",
    );
    expect(reason).toMatch(/^the kernel says its clock is synchronised, but no time-sync daemon on the host answers/);
  });
  it('hostile: a client whose output was cut, a kernel line that is garbage, a daemon faking "Leap status" without a reference', () => {
    const cut = `${B} tool chronyc\nReference ID    : CB00710F (x)\nLeap status     : Normal\n`;
    expect(ntpRow(cut)[0]).toBe('error');
    expect(parseNtp(cut, B).silent).toEqual(['chronyc: output cut short']);
    expect(parseNtp(tool('adjtimex', 'state=0; rm -rf /'), B).kernelError).toBe('state=0; rm -rf /');
    expect(parseNtp(tool('adjtimex', '', 127), B).kernelError).toBe('neither perl nor python3 is installed');
    expect(ntpRow(tool('chronyc', 'Leap status     : Normal') + UNSYNC_KERNEL)[0]).toBe('fail');
    expect(() => parseNtp('garbage', B)).toThrow('no tool output');
  });
});

const lr = (journald: Record<string, string>, logrotate: Record<string, string>, extra = 'persistent-dir yes\nusage-kb 4\nfs-kb 1000000\n', installed = true) => {
  const frame = (files: Record<string, string>) =>
    Object.entries(files)
      .map(([p, c]) => `${B} file ${p}\n${c}\n${B} eof 0\n`)
      .join('');
  return `${B} journald\n${extra}${frame(journald)}${B} logrotate\ninstalled ${installed ? 'yes' : 'no'}\n${frame(logrotate)}`;
};
const logRow = (text: string, params: Record<string, unknown> = {}) => {
  const o = evaluateLogRetention(check('log_retention', params), hf({ logRetention: factOk(parseLogRetention(text, B), 'log-retention') }), {} as InventoryHost, {} as PolicyData, NOW);
  return [o.status, o.observed, o.reason];
};
const MAIN = { '/etc/systemd/journald.conf': '[Journal]\n#MaxRetentionSec=\n' };
const CONF = { '/etc/logrotate.conf': 'weekly\nrotate 4\ninclude /etc/logrotate.d\n' };

describe('log_retention: journald as systemd resolves it', () => {
  it('defaults with /var/log/journal: pass, no time limit, the default size cap named', () => {
    expect(logRow(lr(MAIN, {}))).toEqual([
      'pass',
      'journald: Storage=auto (persistent: /var/log/journal exists), MaxRetentionSec unset (no time limit), SystemMaxUse default (10% of the file system, at most 4G)',
      '',
    ]);
  });
  it('defaults without /var/log/journal: the journal lives in /run only', () => {
    expect(logRow(lr(MAIN, {}, 'persistent-dir no\n'))[2]).toBe('the journal is kept in /run only and lost at every reboot (Storage=auto, the default, without /var/log/journal): less than 180 days');
  });
  it('drop-ins: sorted by name, a later one wins, /etc masks the same name in /usr/lib, other sections ignored', () => {
    const files = {
      ...MAIN,
      '/etc/systemd/journald.conf.d/10-keep.conf': '[Journal]\nMaxRetentionSec=6month\n',
      '/usr/lib/systemd/journald.conf.d/20-vendor.conf': '[Journal]\nMaxRetentionSec=1week\n',
      '/etc/systemd/journald.conf.d/20-vendor.conf': '# masked by name\n[Upload]\nMaxRetentionSec=1d\n',
      '/run/systemd/journald.conf.d/05-early.conf': '[Journal]\nMaxRetentionSec=1d\nStorage=persistent\n',
    };
    expect(logRow(lr(files, {}))).toEqual(['pass', 'journald: Storage=persistent, MaxRetentionSec=6month (182.6 d), SystemMaxUse default (10% of the file system, at most 4G)', '']);
    expect(logRow(lr(files, {}), { days: 200 })[2]).toBe('MaxRetentionSec=6month (/etc/systemd/journald.conf.d/10-keep.conf:2) deletes entries after 182.6 days: less than 200 days');
  });
  it('Storage=volatile or none, and a MaxRetentionSec journald cannot read: fail', () => {
    expect(logRow(lr({ ...MAIN, '/etc/systemd/journald.conf.d/a.conf': '[Journal]\nStorage=none\n' }, {}))[0]).toBe('fail');
    expect(logRow(lr({ ...MAIN, '/etc/systemd/journald.conf.d/a.conf': '[Journal]\nStorage=volatile\nMaxRetentionSec=forever\n' }, {}))[2]).toBe(
      'the journal is kept in /run only and lost at every reboot (Storage=volatile, /etc/systemd/journald.conf.d/a.conf:2); MaxRetentionSec=forever (/etc/systemd/journald.conf.d/a.conf:3) is not a time span journald reads: less than 180 days',
    );
  });
  it('SystemMaxUse reached while the oldest entry is young: journald is already deleting; an old oldest entry passes', () => {
    const files = { ...MAIN, '/etc/systemd/journald.conf.d/cap.conf': '[Journal]\nSystemMaxUse=100M\n' };
    const young = `persistent-dir yes\nusage-kb 97280\nfs-kb 1000000\noldest ${NOW.getTime() / 1000 - 20 * 86400}\n`;
    expect(logRow(lr(files, {}, young))[2]).toBe(
      'the journal uses 95M of its 100M cap (SystemMaxUse=100M, /etc/systemd/journald.conf.d/cap.conf:2): journald is deleting its oldest entries, and the oldest left is 20 days old: less than 180 days',
    );
    expect(logRow(lr(files, {}, young.replace(/oldest .*/, `oldest ${NOW.getTime() / 1000 - 400 * 86400}`)))[0]).toBe('pass');
    expect(logRow(lr(files, {}, young.replace('usage-kb 97280', 'usage-kb 5000')))[0]).toBe('pass');
  });
  it('no journald configuration at all: error, unless journald: false', () => {
    expect(logRow(lr({}, {}))[0]).toBe('error');
    expect(logRow(lr({}, {}), { journald: false })[0]).toBe('error');
    expect(logRow(lr({}, { ...CONF, '/etc/logrotate.d/x': '/var/log/x { rotate 52\nweekly\n}\n' }), { journald: false, files: ['/var/log/x'] })[0]).toBe('pass');
  });
});

describe('log_retention: logrotate as it reads its configuration', () => {
  const rot = (d: Record<string, string>, files = ['/var/log/syslog'], installed = true) => logRow(lr(MAIN, { ...CONF, ...d }, undefined, installed), { files, journald: false });
  it('rotate 7 daily: fail with the rule located; rotate 26 weekly: pass (182 d)', () => {
    expect(rot({ '/etc/logrotate.d/rsyslog': '/var/log/syslog\n{\n  rotate 7\n  daily\n}\n' })).toEqual([
      'fail',
      '/var/log/syslog: rotate 7 × daily = 7 d (/etc/logrotate.d/rsyslog:2)',
      '/var/log/syslog: logrotate keeps 7 days (/etc/logrotate.d/rsyslog:2): less than 180 days',
    ]);
    expect(rot({ '/etc/logrotate.d/rsyslog': '/var/log/syslog /var/log/messages {\n rotate 26\n}\n' })[0]).toBe('pass');
  });
  it('globals before the rule are inherited; after it they are not; a postrotate script cannot change anything', () => {
    const r = rot({ '/etc/logrotate.d/rsyslog': '/var/log/*.log /var/log/syslog {\n  postrotate\n    rotate 1000\n    }\n  endscript\n  missingok\n}\nrotate 1\n' });
    expect(r.slice(0, 2)).toEqual(['fail', '/var/log/syslog: rotate 4 × weekly = 28 d (/etc/logrotate.d/rsyslog:1)']);
  });
  it('size after a period rotates by size; a period after size rotates by time; maxsize and maxage count', () => {
    expect(rot({ '/etc/logrotate.d/a': '/var/log/syslog {\n daily\n size 100M\n rotate 999\n}\n' })[2]).toBe(
      '/var/log/syslog: rotated by size (size 100M), so how long it is kept depends on how much is logged (/etc/logrotate.d/a:1): less than 180 days',
    );
    expect(rot({ '/etc/logrotate.d/a': '/var/log/syslog {\n size=100M\n daily\n rotate 200\n}\n' })[0]).toBe('pass');
    expect(rot({ '/etc/logrotate.d/a': '/var/log/syslog {\n daily\n rotate -1\n maxage 30\n}\n' })[1]).toBe('/var/log/syslog: rotate -1 × daily, maxage 30 = 30 d (/etc/logrotate.d/a:1)');
    expect(rot({ '/etc/logrotate.d/a': '/var/log/syslog {\n daily\n rotate -1\n}\n' })[0]).toBe('pass');
    expect(rot({ '/etc/logrotate.d/a': '/var/log/syslog {\n daily\n rotate 400\n maxsize 1G\n}\n' })[2]).toMatch(/maxsize 1G rotates it sooner than daily/);
  });
  it('the first rule naming a file wins; backups of rule files (.dpkg-old, ~) are skipped as logrotate skips them', () => {
    const r = rot({
      '/etc/logrotate.d/00-old.dpkg-old': '/var/log/syslog {\n rotate 9999\n daily\n}\n',
      '/etc/logrotate.d/a': '/var/log/syslog {\n rotate 7\n daily\n}\n',
      '/etc/logrotate.d/b': '/var/log/syslog {\n rotate 9999\n daily\n}\n',
    });
    expect(r[1]).toBe('/var/log/syslog: rotate 7 × daily = 7 d (/etc/logrotate.d/a:1)');
  });
  it('a file no rule names is kept; an include of an include is named as not read; logrotate absent is said', () => {
    const r = rot({ '/etc/logrotate.d/a': 'include /etc/more\n/var/log/other {\n rotate 1\n daily\n}\n' }, ['/var/log/syslog'], false);
    expect(r).toEqual([
      'pass',
      '/var/log/syslog: no logrotate rule (kept until removed); logrotate is not installed (its rules are judged as written); /etc/logrotate.d/a:1: include /etc/more not read (the probe reads includes of /etc/logrotate.conf only)',
      '',
    ]);
  });
  it('hostile: an unclosed rule, a non-numeric rotate, quoted paths with blanks, globs that stop at /', () => {
    const r = rot({ '/etc/logrotate.d/a': '"/var/log/my app.log" {\n rotate lots\n daily\n' }, ['/var/log/my app.log']);
    expect(r[1]).toContain("/etc/logrotate.d/a:2: 'rotate lots' is not a number");
    expect(r[1]).toContain("the rule for /var/log/my app.log is not closed with '}'");
    expect(globMatches('/var/log/*.log', '/var/log/a.log')).toBe(true);
    expect(globMatches('/var/log/*.log', '/var/log/sub/a.log')).toBe(false);
    expect(globMatches('/var/log/[!a]*', '/var/log/a1')).toBe(false);
    expect(globMatches('/var/log/sys?og', '/var/log/syslog')).toBe(true);
    expect(globMatches('/var/log/(x|y)+', '/var/log/x')).toBe(false);
  });
  it('time spans and sizes as systemd and logrotate write them', () => {
    expect([parseTimespan('180d'), parseTimespan('6 months'), parseTimespan('1y'), parseTimespan('2w 3d'), parseTimespan('3600'), parseTimespan('5m'), parseTimespan('1x'), parseTimespan('')]).toEqual(
      [15552000, 15778800, 31557600, 1468800, 3600, 300, undefined, undefined],
    );
    expect([parseSizeKb('4G'), parseSizeKb('500M'), parseSizeKb('100k'), parseSizeKb('2048'), parseSizeKb('lots')]).toEqual([4194304, 512000, 100, 2, undefined]);
  });
});

const ss = (lines: string, procs = '', connects = '') => `${B} ss 0\n${lines}\n${connects}${procs}`;
const svcRow = (text: string, params: Record<string, unknown>) => {
  const o = evaluateListeningService(check('listening_service', params), hf({ listenProcs: factOk(parseListenProcs(text, B), 'listen-procs') }));
  return [o.status, o.observed, o.reason];
};
const NGINX = 'LISTEN 0      511    0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=812,fd=6),("nginx",pid=811,fd=6))\nLISTEN 0 511 [::]:80 [::]:* users:(("nginx",pid=812,fd=7))';

describe('listening_service: which process holds the port, is it alive, does it accept', () => {
  it('nginx on a wildcard, running, connection from the host: pass', () => {
    expect(svcRow(ss(NGINX, `${B} proc 811 S /usr/sbin/nginx\n${B} proc 812 S /usr/sbin/nginx\n`, `${B} connect 80 127.0.0.1 0 bash\n`), { service: 'nginx', port: 80 })).toEqual([
      'pass',
      'nginx (state S) listens on 0.0.0.0:80, [::]:80; connected to 127.0.0.1:80 from the host',
      '',
    ]);
  });
  it('stopped (SIGSTOP): fail although the kernel accepted the connection', () => {
    expect(svcRow(ss(NGINX, `${B} proc 811 T /usr/sbin/nginx\n${B} proc 812 T /usr/sbin/nginx\n`, `${B} connect 80 127.0.0.1 0 bash\n`), { service: 'nginx', port: 80 })[2]).toBe(
      'nginx holds tcp/80 but is stopped (state T): the kernel accepts connections it never answers',
    );
  });
  it('nothing on the port, another process on it, only on another address, connection refused, no process names', () => {
    expect(svcRow(ss(NGINX), { service: 'nginx', port: 443 })).toEqual(['fail', 'nothing listens on tcp/443', 'nginx does not listen on tcp/443']);
    expect(svcRow(ss(NGINX, `${B} proc 811 S /usr/sbin/nginx\n`), { service: 'httpd', port: 80 })[2]).toBe('tcp/80 is held by nginx, not httpd');
    expect(svcRow(ss('LISTEN 0 5 10.0.0.5:80 0.0.0.0:* users:(("nginx",pid=1,fd=3))'), { service: 'nginx', port: 80, address: '127.0.0.1' }).slice(0, 2)).toEqual([
      'fail',
      'tcp/80 only at 10.0.0.5:80',
    ]);
    expect(svcRow(ss(NGINX, `${B} proc 811 S /usr/sbin/nginx\n${B} proc 812 S /usr/sbin/nginx\n`, `${B} connect 80 127.0.0.1 1 bash\n`), { service: 'nginx', port: 80 })[2]).toBe(
      'a connection from the host to 127.0.0.1:80 failed (bash exit 1)',
    );
    expect(svcRow(ss('LISTEN 0 5 127.0.0.1:80 0.0.0.0:*', '', `${B} connect 80 127.0.0.1 0 bash\n`), { service: 'nginx', port: 80 })[0]).toBe('error');
  });
  it('a long name ss cuts to 15 characters, or the executable file name, is the service', () => {
    const text = ss('LISTEN 0 5 127.0.0.1:9000 0.0.0.0:* users:(("php-fpm8.2-pool",pid=5,fd=3))', `${B} proc 5 S /usr/sbin/php-fpm8.2\n`, `${B} connect 9000 127.0.0.1 0 nc\n`);
    expect(svcRow(text, { service: 'php-fpm8.2-pool-www', port: 9000 })[0]).toBe('pass');
    expect(svcRow(text, { service: 'php-fpm8.2', port: 9000 })[0]).toBe('pass');
    expect(svcRow(text, { service: 'php', port: 9000 })[0]).toBe('fail');
  });
  it('hostile: process names with quotes and commas, a line ss never prints, ss failing', () => {
    const f = parseListenProcs(ss('LISTEN 0 5 127.0.0.1:81 0.0.0.0:* users:(("a\\",pid=9,fd=1)",pid=7,fd=3))'), B);
    expect(f.listeners[0]!.procs).toEqual([{ name: 'a\\",pid=9,fd=1)', pid: 7 }]);
    expect(() => parseListenProcs(ss('ESTAB 0 0 1.2.3.4:5 6.7.8.9:10'), B)).toThrow('is not understood');
    expect(() => parseListenProcs(`${B} ss 1\n`, B)).toThrow('ss -Hltnp failed with exit 1');
  });
});
