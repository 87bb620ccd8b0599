/**
 * The pure side of the patch checks: Debian version ordering held against the
 * machine's own `dpkg --compare-versions`, and the parsers of the package
 * manager's simulation and of the reboot section.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareDebianVersions } from '../../scripts/inspect/debian-version.ts';
import { parseReboot, parseUpdates } from '../../scripts/inspect/parse-patch.ts';

const PAIRS: Array<[string, string]> = [
  ['1.0', '1.0'],
  ['1.0', '1.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc2'],
  ['1.0~~', '1.0~'],
  ['1:1.0', '2.0'],
  ['0:1.0', '1.0'],
  ['1.0-1', '1.0-1+deb12u1'],
  ['1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u4'],
  ['3.0.11-1~deb12u2', '3.0.15-1~deb12u1'],
  ['2.30-1', '2.3-1'],
  ['1.0a', '1.0+'],
  ['1.0.0', '1.0'],
  ['1.01', '1.1'],
  ['2024a-0+deb12u1', '2025b-0+deb12u1'],
  ['6.1.0-28-amd64', '6.1.0-9-amd64'],
  ['10', '9'],
  ['a', 'A'],
  ['1.2.3-4ubuntu1', '1.2.3-4'],
  ['99.0.0-1-amd64', '6.18.44-fc-v595'],
];

const dpkgSays = (a: string, b: string) => {
  const lt = (() => {
    try {
      execFileSync('dpkg', ['--compare-versions', a, 'lt', b]);
      return true;
    } catch {
      return false;
    }
  })();
  const eq = (() => {
    try {
      execFileSync('dpkg', ['--compare-versions', a, 'eq', b]);
      return true;
    } catch {
      return false;
    }
  })();
  return lt ? -1 : eq ? 0 : 1;
};

describe('compareDebianVersions agrees with dpkg --compare-versions', () => {
  it.each(PAIRS)('%s vs %s', (a, b) => {
    expect(Math.sign(compareDebianVersions(a, b))).toBe(dpkgSays(a, b));
    expect(Math.sign(compareDebianVersions(b, a))).toBe(dpkgSays(b, a));
  });
});

describe('parseUpdates', () => {
  it('apt: every Inst line, security by its origins', () => {
    const out = [
      '#apt',
      'Reading package lists...',
      'Inst libssl3 [3.0.11-1~deb12u2] (3.0.15-1~deb12u1 Debian:12.8/stable, Debian-Security:12/stable-security [amd64]) []',
      'Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:stable-updates [all])',
      'Inst newdep (1.0 Debian:stable [amd64])',
      'Conf libssl3 (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])',
    ].join('\n');
    expect(parseUpdates(out)).toEqual({
      manager: 'apt',
      updates: [
        { name: 'libssl3', installed: '3.0.11-1~deb12u2', available: '3.0.15-1~deb12u1', origins: ['Debian:12.8/stable', 'Debian-Security:12/stable-security'], security: true },
        { name: 'tzdata', installed: '2024a-0+deb12u1', available: '2025b-0+deb12u1', origins: ['Debian:stable-updates'], security: false },
        { name: 'newdep', installed: '', available: '1.0', origins: ['Debian:stable'], security: false },
      ],
    });
  });
  it('dnf: security advisories', () => {
    expect(parseUpdates('#dnf\nRLSA-2024:1234 Important/Sec. openssl-libs-3.0.7-27.el9.x86_64\n').updates).toEqual([
      { name: 'openssl-libs', installed: '', available: '3.0.7-27.el9.x86_64', origins: ['RLSA-2024:1234'], security: true },
    ]);
  });
  it('anything else is not a simulation', () => expect(() => parseUpdates('E: Could not open lock file')).toThrow(/#apt/));
});

it('parseReboot', () => {
  expect(parseReboot('running 6.1.0-9-amd64\nmarker /var/run/reboot-required\npkg linux-image-6.1.0-28-amd64\nkernel 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\nneeds-restarting 0\n')).toEqual({
    running: '6.1.0-9-amd64',
    marker: true,
    markerPackages: ['linux-image-6.1.0-28-amd64'],
    kernels: ['6.1.0-9-amd64', '6.1.0-28-amd64'],
    needsRestarting: false,
  });
  expect(() => parseReboot('')).toThrow();
});
