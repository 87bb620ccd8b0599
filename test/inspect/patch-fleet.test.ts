/**
 * Patch compliance on real sshd hosts (issue 16, item 4): each host has its own
 * package database, apt sources and lists (a security archive and an updates
 * archive, as apt reads them), /run and /boot, bind-mounted in its own mount
 * namespace. web-02 is planted with an old package, a pending security update,
 * a non-security update, a reboot-required marker and a newer installed kernel;
 * web-01 is patched. opsgate inspect runs the package manager's own simulation
 * over SSH, compares versions with the host's own `dpkg --compare-versions`, and
 * the rows say exactly which host fails what. A minimum full of shell
 * metacharacters reaches dpkg literally (dpkg's own message quotes it; the
 * canary file it names is never created).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
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
const RUNNING = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
let fleet: RunningFleet;
let root: string;
const HOSTILE = () => `1'; touch ${path.join(root, 'canary')}; echo '$(touch ${path.join(root, 'canary2')})`;

const stanza = (name: string, version: string, installed: boolean) =>
  [
    `Package: ${name}`,
    ...(installed ? ['Status: install ok installed'] : []),
    'Priority: optional',
    'Architecture: amd64',
    `Version: ${version}`,
    ...(installed ? [] : [`Filename: pool/${name}.deb`, 'Size: 1']),
    `Description: ${name}`,
    '',
    '',
  ].join('\n');
const release = (label: string, suite: string, codename: string) => `Origin: Debian\nLabel: ${label}\nSuite: ${suite}\nCodename: ${codename}\nArchitectures: amd64\nComponents: main\n`;
const SEC = 'security.og.invalid_debian-security_dists_bookworm-security';
const UPD = 'mirror.og.invalid_debian_dists_bookworm-updates';

/** A host's package state: installed versions, what the archives offer, /run and /boot. */
function patchDirs(installed: Record<string, string>, reboot: boolean, kernels: string[]): Record<string, Record<string, string>> {
  return {
    '/var/lib/dpkg': {
      status: Object.entries(installed)
        .map(([n, v]) => stanza(n, v, true))
        .join(''),
      arch: 'amd64\n',
    },
    '/etc/apt': {
      'sources.list': 'deb [trusted=yes] http://security.og.invalid/debian-security bookworm-security main\ndeb [trusted=yes] http://mirror.og.invalid/debian bookworm-updates main\n',
      'sources.list.d/.keep': '',
    },
    '/var/lib/apt/lists': {
      [`${SEC}_Release`]: release('Debian-Security', 'stable-security', 'bookworm-security'),
      [`${SEC}_main_binary-amd64_Packages`]: stanza('openssh-server', '1:9.2p1-2+deb12u5', false) + stanza('libssl3', '3.0.15-1~deb12u1', false),
      [`${UPD}_Release`]: release('Debian', 'stable-updates', 'bookworm-updates'),
      [`${UPD}_main_binary-amd64_Packages`]: stanza('tzdata', '2025b-0+deb12u1', false),
    },
    '/run': { 'sshd/.keep': '', ...(reboot ? { 'reboot-required': '*** System restart required ***\n', 'reboot-required.pkgs': 'linux-image-6.1.0-99-amd64\nlibssl3\n' } : {}) },
    '/boot': Object.fromEntries(kernels.map((k) => [`vmlinuz-${k}`, ''])),
  };
}

const inspect = () => inspectRows(root, fleet);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    hosts: [
      { id: 'web-01', dirs: patchDirs({ 'openssh-server': '1:9.2p1-2+deb12u5', libssl3: '3.0.15-1~deb12u1', tzdata: '2025b-0+deb12u1' }, false, [RUNNING]) },
      { id: 'web-02', dirs: patchDirs({ 'openssh-server': '1:9.2p1-2+deb12u3', libssl3: '3.0.11-1~deb12u2', tzdata: '2024a-0+deb12u1' }, true, [RUNNING, '99.0.0-1-amd64']) },
    ],
  });
  root = await mkdtemp(path.join(os.tmpdir(), 'og-patch-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await mkdir(path.join(root, 'policies', 'baselines'), { recursive: true });
  const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type, params, rationale: '及时更新补丁', remediation: 'patch' });
  await writeFile(
    path.join(root, 'policies', 'baselines', 'patch.yaml'),
    stringify({
      id: 'patch',
      title: 'patch compliance',
      checks: [
        check('patch.openssh', 'package_version', {
          packages: [
            { name: 'openssh-server', min_version: '1:9.2p1-2+deb12u4' },
            { name: 'telnetd', min_version: '1' },
          ],
        }),
        check('patch.hostile', 'package_version', { packages: [{ name: 'openssh-server', min_version: HOSTILE() }] }),
        check('patch.security-updates', 'pending_updates', {}),
        check('patch.all-updates', 'pending_updates', { security_only: false, max: 1 }),
        check('patch.reboot', 'reboot_required', {}),
      ],
    }),
  );
  await fleet.writeInventory(root);
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

MACHINE.describe('patch compliance checks on real sshd hosts', () => {
  it('web-02 fails exactly the planted checks, web-01 passes them all, with what the package manager itself said', async () => {
    const r = await inspect();
    expect(r.code, r.stderr).toBe(1);
    const pick = (h: string, c: string) => {
      const x = r.rows.find((y) => y.host === h && y.check === c)!;
      return [x.status, x.observed, x.reason];
    };
    expect(pick('web-01', 'patch.openssh')).toEqual(['pass', 'openssh-server 1:9.2p1-2+deb12u5, telnetd not installed', '']);
    expect(pick('web-02', 'patch.openssh')).toEqual([
      'fail',
      'openssh-server 1:9.2p1-2+deb12u3, telnetd not installed',
      'older than the minimum (dpkg): openssh-server 1:9.2p1-2+deb12u3 < 1:9.2p1-2+deb12u4',
    ]);
    expect(r.rows.find((y) => y.check === 'patch.openssh')!.evidence).toBe("dpkg-query -W -f '${Package}\\t${db:Status-Abbrev}\\t${Version}\\n' NAME…; dpkg --compare-versions INSTALLED lt MIN");
    // The hostile minimum: dpkg itself refused it, quoting it byte for byte; nothing it names ran.
    for (const [h, v] of [
      ['web-01', '1:9.2p1-2+deb12u5'],
      ['web-02', '1:9.2p1-2+deb12u3'],
    ])
      expect(pick(h!, 'patch.hostile')).toEqual([
        'error',
        `openssh-server ${v}`,
        `dpkg could not compare openssh-server ${v} with ${HOSTILE()}: dpkg: error: version '${HOSTILE()}' has bad syntax: version string has embedded spaces`,
      ]);
    expect(existsSync(path.join(root, 'canary')) || existsSync(path.join(root, 'canary2'))).toBe(false);
    expect(pick('web-01', 'patch.security-updates')).toEqual(['pass', '0 pending security update(s)', '']);
    expect(pick('web-02', 'patch.security-updates')).toEqual([
      'fail',
      '2 pending security update(s): libssl3 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1, openssh-server 1:9.2p1-2+deb12u3 → 1:9.2p1-2+deb12u5',
      '2 security update(s) available from Debian-Security:stable-security',
    ]);
    // All updates, at most one allowed: the tzdata update from stable-updates counts too.
    expect(pick('web-02', 'patch.all-updates').slice(0, 2)).toEqual([
      'fail',
      '3 pending update(s): libssl3 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1, openssh-server 1:9.2p1-2+deb12u3 → 1:9.2p1-2+deb12u5, tzdata 2024a-0+deb12u1 → 2025b-0+deb12u1',
    ]);
    expect(pick('web-01', 'patch.all-updates')[0]).toBe('pass');
    expect(pick('web-01', 'patch.reboot')).toEqual(['pass', `running ${RUNNING}, newest installed ${RUNNING}`, '']);
    expect(pick('web-02', 'patch.reboot')).toEqual([
      'fail',
      `running ${RUNNING}, newest installed 99.0.0-1-amd64, reboot-required marker`,
      `/var/run/reboot-required is present (for linux-image-6.1.0-99-amd64, libssl3); running kernel ${RUNNING} is older than the newest installed 99.0.0-1-amd64 (dpkg)`,
    ]);
    expect(r.rows.find((y) => y.check === 'patch.security-updates')!.evidence).toMatch(/^apt-get -s/);
  }, 180_000);
});
