/**
 * The pure side of the patch checks: the parsers of the package manager's
 * simulation, of the reboot section and of the host's version verdicts, and the
 * evaluation of those verdicts. Version ordering itself is the host's
 * (test/inspect/patch-versions.test.ts, test/inspect/patch-fleet.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { evaluatePackageVersion, evaluateRebootRequired } from '../../scripts/inspect/checks-patch.ts';
import { factError, factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef } from '../../scripts/inspect/model.ts';
import { parseReboot, parseUpdates, parseVersions } from '../../scripts/inspect/parse-patch.ts';

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
    runningOlder: false,
    orderUnavailable: false,
  });
  expect(parseReboot('running 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\nnewest 6.1.0-28-amd64 by dpkg\nrunning-older\n')).toMatchObject({ newest: '6.1.0-28-amd64', newestBy: 'dpkg', runningOlder: true });
  expect(parseReboot('running 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\norder unavailable\n')).toMatchObject({ orderUnavailable: true, runningOlder: false });
  expect(() => parseReboot('')).toThrow();
});

const WANTED = [
  { name: 'openssh-server', min: '1:9.2p1-2+deb12u4' },
  { name: 'telnetd', min: '1' },
  { name: 'libc6', min: "2.36'; touch /tmp/x; '" },
];

describe('parseVersions', () => {
  it('matches verdicts back to the requests by index', () => {
    const v = parseVersions(
      "#dpkg\n0\tolder\t1:9.2p1-2+deb12u3\t\n1\tabsent\n2\tbad\t2.36-9\tdpkg: error: version '2.36'; touch /tmp/x; '' has bad syntax: version string has embedded spaces\n",
      WANTED,
    );
    expect(v).toEqual({
      tool: 'dpkg',
      results: [
        { name: 'openssh-server', min: '1:9.2p1-2+deb12u4', instances: [{ installed: '1:9.2p1-2+deb12u3', verdict: 'older', message: '' }] },
        { name: 'telnetd', min: '1', instances: [] },
        {
          name: 'libc6',
          min: "2.36'; touch /tmp/x; '",
          instances: [{ installed: '2.36-9', verdict: 'bad', message: "dpkg: error: version '2.36'; touch /tmp/x; '' has bad syntax: version string has embedded spaces" }],
        },
      ],
    });
  });
  it.each([
    ['no comparator line', '0\tok\t1\t\n', /comparator/],
    ['an unknown comparator', '#sort\n', /comparator/],
    ['an index nobody asked for', '#dpkg\n0\tok\t1\t\n1\tabsent\n2\tabsent\n3\tok\t1\t\n', /names no requested/],
    ['a request without a verdict', '#dpkg\n0\tok\t1\t\n', /no verdict for telnetd, libc6/],
    ['an unknown verdict', '#dpkg\n0\tnewer\t1\t\n1\tabsent\n2\tabsent\n', /unknown verdict/],
  ])('refuses %s', (_what, text, message) => expect(() => parseVersions(text, WANTED)).toThrow(message));
});

const check = (params: Record<string, unknown>, type = 'package_version'): CheckDef => ({ id: 'c', title: 'c', severity: 'high', type, params, rationale: 'r', remediation: 'm' });
const facts = (x: Partial<HostFacts>) => x as HostFacts;

describe('evaluatePackageVersion reads the host’s verdicts', () => {
  const params = { packages: WANTED.map((w) => ({ name: w.name, min_version: w.min })) };
  it('older fails, a version the comparator cannot read is named too', () => {
    const versions = factOk(parseVersions("#dpkg\n0\tolder\t1:9.2p1-2+deb12u3\t\n1\tabsent\n2\tbad\t2.36-9\tdpkg: error: version '2.36'; touch /tmp/x; '' has bad syntax\n", WANTED), 'versions');
    expect(evaluatePackageVersion(check(params), facts({ versions }))).toEqual({
      status: 'fail',
      expected: "openssh-server ≥ 1:9.2p1-2+deb12u4, telnetd ≥ 1, libc6 ≥ 2.36'; touch /tmp/x; '",
      observed: 'openssh-server 1:9.2p1-2+deb12u3, telnetd not installed, libc6 2.36-9',
      reason:
        "older than the minimum (dpkg): openssh-server 1:9.2p1-2+deb12u3 < 1:9.2p1-2+deb12u4; dpkg could not compare libc6 2.36-9 with 2.36'; touch /tmp/x; ': dpkg: error: version '2.36'; touch /tmp/x; '' has bad syntax",
      evidence: expect.stringContaining('dpkg --compare-versions INSTALLED lt MIN'),
    });
  });
  it('only unreadable versions: error, never pass', () => {
    const versions = factOk(parseVersions("#rpm\n0\tok\t1:9.3p1-1\t\n1\tabsent\n2\tbad\t2.36-9\trpm.vercmp said ''\n", WANTED), 'versions');
    const o = evaluatePackageVersion(check(params), facts({ versions }));
    expect([o.status, o.reason]).toEqual(['error', "rpm could not compare libc6 2.36-9 with 2.36'; touch /tmp/x; ': rpm.vercmp said ''"]);
    expect(o.evidence).toContain('rpm.vercmp');
  });
  it('every instance at least the minimum passes', () => {
    const versions = factOk(parseVersions('#rpmdev-vercmp\n0\tok\t1:9.3p1-1\t\n1\tabsent\n2\tok\t2.37-1\t\n2\tok\t2.38-1\t\n', WANTED), 'versions');
    expect(evaluatePackageVersion(check(params), facts({ versions }))).toMatchObject({
      status: 'pass',
      observed: 'openssh-server 1:9.3p1-1, telnetd not installed, libc6 2.37-1, libc6 2.38-1',
      reason: '',
    });
  });
  it('no comparator on the host: an explained error', () => {
    const versions = factError<never>("'versions' failed with exit 3: cannot compare versions on this host: none of dpkg …", 'versions');
    expect(evaluatePackageVersion(check(params), facts({ versions }))).toMatchObject({ status: 'error', reason: expect.stringContaining('cannot compare versions on this host') });
    expect(evaluatePackageVersion(check(params), facts({}))).toMatchObject({ status: 'error', reason: expect.stringContaining("section 'versions' missing") });
  });
});

describe('evaluateRebootRequired reads the host’s kernel order', () => {
  const r = (text: string, params: Record<string, unknown> = {}) => evaluateRebootRequired(check(params, 'reboot_required'), facts({ reboot: factOk(parseReboot(text), 'reboot') }));
  it.each([
    ['newest is running', 'running 6.1.0-28-amd64\nkernel 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\nnewest 6.1.0-28-amd64 by dpkg\n', {}, 'pass', ''],
    [
      'an older kernel runs',
      'running 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\nnewest 6.1.0-28-amd64 by dpkg\nrunning-older\n',
      {},
      'fail',
      'running kernel 6.1.0-9-amd64 is older than the newest installed 6.1.0-28-amd64 (dpkg)',
    ],
    ['kernel: false', 'running 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\nnewest 6.1.0-28-amd64 by dpkg\nrunning-older\n', { kernel: false }, 'pass', ''],
    ['no comparator', 'running 6.1.0-9-amd64\nkernel 6.1.0-28-amd64\norder unavailable\n', {}, 'error', expect.stringContaining('cannot be ordered')],
    ['no comparator, but a marker', 'running 6.1.0-9-amd64\nmarker x\nkernel 6.1.0-28-amd64\norder unavailable\n', {}, 'fail', '/var/run/reboot-required is present'],
  ])('%s', (_w, text, params, status, reason) => expect(r(text, params)).toMatchObject({ status, reason }));
});
