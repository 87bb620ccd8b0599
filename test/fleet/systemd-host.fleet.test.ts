/**
 * The systemd fleet host (test/fleet/systemd-host.ts): systemd 252 is PID 1 of
 * the host's own namespaces, sshd runs as its unit, only the minimal target is
 * up, and nothing of the machine outside the host changes: a canary in the real
 * /tmp and /var/tmp (old enough for systemd-tmpfiles to delete), the machine's
 * /run/systemd, /var/lib/systemd and /etc/systemd/system. Stopped by PID: the
 * host's processes, namespace and cgroup are gone afterwards.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectHost } from '../../scripts/ssh/session.ts';
import { NEEDS } from '../system/needs.ts';
import { startFleet, type RunningFleet } from './fleet.ts';
import { requireSystemdHost } from './systemd-gate.ts';
import { cgroupPids } from './systemd-host.ts';

const MACHINE = requireSystemdHost(NEEDS.fleetNamespaces);
const OLD = new Date('2020-01-01T00:00:00Z');
const canary = { tmp: `/tmp/og-systemd-canary-${process.pid}-${randomBytes(3).toString('hex')}`, varTmp: `/var/tmp/og-systemd-canary-${process.pid}-${randomBytes(3).toString('hex')}` };
let fleet: RunningFleet | undefined;
let outside: Record<string, string[]>;

/** What a systemd let loose on the machine would change (names only: other sessions write /tmp all the time). */
const machineState = () =>
  Object.fromEntries(
    ['/run/systemd', '/var/lib/systemd', '/var/lib/systemd/timers', '/etc/systemd/system', '/etc/systemd/system/timers.target.wants'].map((d) => {
      try {
        return [d, readdirSync(d).sort()];
      } catch {
        return [d, ['(absent)']];
      }
    }),
  );

async function onHost(host: string, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const h = fleet!.hosts.find((x) => x.id === host)!;
  const s = await connectHost(
    { id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command! },
    { auth: { privateKey: await readFile(fleet!.clientKeyPath, 'utf8') } },
  );
  try {
    return await s.exec(['sudo', '-n', '--', ...argv], { timeoutMs: 60_000 });
  } finally {
    await s.close();
  }
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  writeFileSync(canary.tmp, 'canary\n');
  mkdirSync(canary.varTmp);
  writeFileSync(path.join(canary.varTmp, 'f'), 'canary\n');
  for (const f of [canary.tmp, path.join(canary.varTmp, 'f'), canary.varTmp]) utimesSync(f, OLD, OLD);
  outside = machineState();
  fleet = await startFleet({
    mutates: true,
    hosts: [
      {
        id: 'sd-01',
        init: 'systemd',
        systemd: {
          units: {
            'og-planted.service': '[Unit]\nDescription=planted\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
          },
          start: ['og-planted.service'],
        },
      },
      { id: 'plain-01' },
    ],
  });
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  rmSync(canary.tmp, { force: true });
  rmSync(canary.varTmp, { recursive: true, force: true });
});

MACHINE.describe('a fleet host with systemd as PID 1', () => {
  it('PID 1 of the host is systemd, booted to the minimal target: only sshd, the readiness unit and what the spec starts are running', async () => {
    expect((await onHost('sd-01', ['cat', '/proc/1/comm'])).stdout).toBe('systemd\n');
    expect((await onHost('sd-01', ['systemctl', 'is-system-running'])).stdout).toBe('running\n');
    expect((await onHost('sd-01', ['hostname'])).stdout).toBe('sd-01\n');
    const services = (await onHost('sd-01', ['systemctl', 'list-units', '--type=service', '--state=active', '--no-legend', '--plain'])).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]);
    expect(services).toEqual(['og-fleet-ready.service', 'og-fleet-sshd.service', 'og-planted.service']);
    // sshd is the unit's main process: the login came through it.
    expect((await onHost('sd-01', ['systemctl', 'show', '-p', 'ActiveState,SubState', 'og-fleet-sshd.service'])).stdout).toBe('ActiveState=active\nSubState=running\n');
    // What wiped /tmp once is masked, and cannot be started.
    for (const u of [
      'systemd-tmpfiles-clean.timer',
      'systemd-tmpfiles-setup.service',
      'systemd-journald.service',
      'console-getty.service',
      'systemd-logind.service',
      'systemd-networkd.service',
      'systemd-timesyncd.service',
    ]) {
      expect((await onHost('sd-01', ['systemctl', 'is-enabled', u])).stdout.trim()).toBe('masked');
    }
    const start = await onHost('sd-01', ['systemctl', 'start', 'systemd-tmpfiles-clean.service']);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain('is masked');
    // The plain host has no init of its own.
    expect((await onHost('plain-01', ['test', '-d', '/run/systemd/system'])).code).not.toBe(0);
  }, 120_000);

  it('its /tmp, /var/tmp, /run, /var/lib/systemd, /var/log and /dev are its own tmpfs; /sys and /proc/sys are read-only', async () => {
    for (const d of ['/tmp', '/var/tmp', '/run', '/var/lib/systemd', '/var/log', '/dev'])
      expect((await onHost('sd-01', ['findmnt', '-n', '-o', 'FSTYPE,SOURCE', '--mountpoint', d])).stdout.trim().split('\n').at(-1)).toMatch(/^tmpfs +og-/);
    // The machine's /tmp canary is not there; a file the host writes in its /tmp does not reach the machine's.
    expect((await onHost('sd-01', ['test', '-e', canary.tmp])).code).not.toBe(0);
    const mark = `/tmp/og-systemd-inside-${process.pid}`;
    expect((await onHost('sd-01', ['touch', mark])).code).toBe(0);
    expect(() => statSync(mark)).toThrow();
    for (const ro of ['/sys', '/proc/sys']) expect((await onHost('sd-01', ['findmnt', '-n', '-o', 'OPTIONS', '--mountpoint', ro])).stdout.trim().split('\n').at(-1)).toMatch(/^ro,/);
    expect((await onHost('sd-01', ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward'])).code).not.toBe(0);
    expect((await onHost('sd-01', ['readlink', '/proc/self/ns/pid'])).stdout).not.toBe(execFileSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }));
  }, 120_000);

  it('a timer enabled and started on the host lives in the host: its symlink in the host directory, its stamp in the host /var/lib/systemd', async () => {
    const unit = '[Unit]\nDescription=t\n[Timer]\nOnCalendar=*-*-* 02:00:00\nPersistent=true\n[Install]\nWantedBy=timers.target\n';
    const r = await onHost('sd-01', [
      'sh',
      '-c',
      `printf '%s' '${unit}' > /etc/systemd/system/og-t.timer && printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > /etc/systemd/system/og-t.service && systemctl daemon-reload && systemctl enable --now og-t.timer && systemctl start og-t.service && ls /var/lib/systemd/timers`,
    ]);
    expect(r.stderr).toContain('Created symlink');
    expect(r.stdout).toBe('stamp-og-t.timer\n');
    expect(readdirSync(path.join(fleet!.dir, 'sd-01', 'systemd-system', 'timers.target.wants'))).toEqual(['og-t.timer']);
    expect(machineState()).toEqual(outside);
  }, 120_000);

  it('stop() ends every process of the host by PID, removes its network namespace and cgroup, and the machine outside is as it was', async () => {
    const h = fleet!.systemd.get('sd-01')!;
    const pids = await cgroupPids(h.cgroup);
    expect(pids).toContain(h.pid1);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const tag = fleet!.tag;
    await fleet!.stop();
    fleet = undefined;
    const alive = pids.filter((p) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(() => statSync(h.cgroup)).toThrow();
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(tag);
    expect(machineState()).toEqual(outside);
    for (const f of [canary.tmp, path.join(canary.varTmp, 'f')]) expect(statSync(f).mtime.toISOString()).toBe(OLD.toISOString());
  }, 120_000);
});
