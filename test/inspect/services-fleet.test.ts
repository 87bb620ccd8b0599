/**
 * Service and host checks on real sshd hosts (issue 16, item 5). systemd is not PID 1 on
 * these hosts and no time-sync daemon runs, so ntp_sync must not pass anywhere: it fails
 * where the kernel says its clock is unsynchronised, and is an explained error where the
 * kernel (shared with this machine) says it is synchronised. web-02 is planted with short
 * retention (logrotate `rotate 7 daily`, journald MaxRetentionSec=1month), a stopped
 * listener (SIGSTOP: its socket still accepts) and another program on the API's port;
 * web-01 keeps 182 days and its service answers; web-03 probes without sudo, so ss cannot
 * name another user's process.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { inspectRows } from './inspect-cli.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const ROOT = path.resolve(import.meta.dirname, '../..');
let fleet: RunningFleet;
let root: string;

const LOGROTATE_CONF = 'weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n';
const logs = (rsyslog: string, journald: string) => ({
  files: { '/etc/logrotate.conf': LOGROTATE_CONF },
  dirs: { '/etc/logrotate.d': { rsyslog }, '/etc/systemd/journald.conf.d': { 'retention.conf': journald }, '/var/log/journal': {} },
});

const inspect = () => inspectRows(root, fleet);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    hosts: [
      {
        id: 'web-01',
        services: [{ name: 'ogweb', port: 8080 }],
        ...logs(
          '/var/log/syslog\n/var/log/auth.log\n{\n\trotate 26\n\tmissingok\n\tpostrotate\n\t\t/usr/lib/rsyslog/rsyslog-rotate\n\tendscript\n}\n',
          '[Journal]\nStorage=persistent\nMaxRetentionSec=1year\n',
        ),
      },
      {
        id: 'web-02',
        services: [{ name: 'ogweb', port: 8080, stopped: true }],
        listen: [9090],
        ...logs('/var/log/syslog {\n\trotate 7\n\tdaily\n\tcompress\n}\n', '[Journal]\nStorage=persistent\nMaxRetentionSec=1month\n'),
      },
      { id: 'web-03', services: [{ name: 'ogweb', port: 8080 }], noSudo: true, ...logs('/var/log/syslog {\n\trotate 30\n\tmonthly\n}\n', '[Journal]\nStorage=persistent\n') },
    ],
  });
  root = await mkdtemp(path.join(os.tmpdir(), 'og-services-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await mkdir(path.join(root, 'policies', 'baselines'), { recursive: true });
  const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type, params, rationale: '网络安全法 §21', remediation: 'fix' });
  await writeFile(
    path.join(root, 'policies', 'baselines', 'services.yaml'),
    stringify({
      id: 'services',
      title: 'services and hosts',
      checks: [
        check('svc.ntp', 'ntp_sync', {}),
        check('svc.logs', 'log_retention', { files: ['/var/log/syslog'] }),
        check('svc.web', 'listening_service', { service: 'ogweb', port: 8080 }),
        check('svc.api', 'listening_service', { service: 'ogapi', port: 9090 }),
      ],
    }),
  );
  await fleet.writeInventory(root);
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The machine's own clock state, read the way the probe reads it (the hosts share this kernel). */
function machineKernelSynced(): boolean {
  const out = execFileSync('perl', ['-e', 'my $b = "\\0" x 512; print syscall(159, $b), " ", (unpack("I x![l!] l! l! l! l! i", $b))[5]'], { encoding: 'utf8' }).trim();
  const [state, status] = out.split(' ').map(Number);
  return state !== 5 && (status! & 0x40) === 0;
}
const logrotateHere = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v logrotate'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

MACHINE.describe('service checks on real sshd hosts', () => {
  it('each host fails exactly what was planted, with what the host itself said', async () => {
    const r = await inspect();
    expect(r.code, r.stderr).toBe(1);
    const pick = (h: string, c: string) => {
      const x = r.rows.find((y) => y.host === h && y.check === c)!;
      return [x.status, x.observed, x.reason];
    };
    const noLogrotate = logrotateHere ? '' : '; logrotate is not installed (its rules are judged as written)';
    const journald = (ret: string) => `journald: Storage=persistent, ${ret}, SystemMaxUse default (10% of the file system, at most 4G)`;
    expect(pick('web-01', 'svc.logs')).toEqual(['pass', `${journald('MaxRetentionSec=1year (365.3 d)')}; /var/log/syslog: rotate 26 × weekly = 182 d (/etc/logrotate.d/rsyslog:3)${noLogrotate}`, '']);
    expect(pick('web-02', 'svc.logs')).toEqual([
      'fail',
      `${journald('MaxRetentionSec=1month (30.4 d)')}; /var/log/syslog: rotate 7 × daily = 7 d (/etc/logrotate.d/rsyslog:1)${noLogrotate}`,
      'MaxRetentionSec=1month (/etc/systemd/journald.conf.d/retention.conf:3) deletes entries after 30.4 days; /var/log/syslog: logrotate keeps 7 days (/etc/logrotate.d/rsyslog:1): less than 180 days',
    ]);
    expect(pick('web-03', 'svc.logs')[0]).toBe('pass');

    expect(pick('web-01', 'svc.web')).toEqual(['pass', 'ogweb (state S) listens on 127.0.0.1:8080; connected to 127.0.0.1:8080 from the host', '']);
    expect(pick('web-02', 'svc.web')).toEqual(['fail', 'ogweb (state T) listens on 127.0.0.1:8080', 'ogweb holds tcp/8080 but is stopped (state T): the kernel accepts connections it never answers']);
    expect(pick('web-03', 'svc.web')).toEqual(['error', '127.0.0.1:8080, process not named', "ss names no process for tcp/8080: the probe needs root (sudo) to see another user's sockets"]);
    expect(pick('web-01', 'svc.api')).toEqual(['fail', 'nothing listens on tcp/9090', 'ogapi does not listen on tcp/9090']);
    expect(pick('web-02', 'svc.api')).toEqual(['fail', 'nc listens on 0.0.0.0:9090', 'tcp/9090 is held by nc, not ogapi']);

    // No time-sync daemon on any host: never a pass; which of fail / error the kernel's own state decides.
    const synced = machineKernelSynced();
    for (const h of ['web-01', 'web-02', 'web-03']) {
      const [status, observed, reason] = pick(h, 'svc.ntp');
      expect(observed).toMatch(/^no time-sync daemon answers \(chronyc: [^;]+; ntpq: [^;]+; timedatectl: .+\); kernel: TIME_/);
      if (synced) expect([status, reason]).toEqual(['error', expect.stringMatching(/^the kernel says its clock is synchronised, but no time-sync daemon on the host answers/)]);
      else
        expect([status, observed!.endsWith('kernel: TIME_ERROR (unsynchronised)'), reason]).toEqual([
          'fail',
          true,
          'no time-sync daemon runs on the host and the kernel says its clock is not synchronised (adjtimex: STA_UNSYNC)',
        ]);
    }
    expect(r.rows.find((y) => y.check === 'svc.ntp')!.evidence).toMatch(/^chronyc -n tracking/);
  }, 180_000);
});
