/**
 * The probe's `versions` section and its comparator, run by a real `sh` against
 * the machine's real dpkg, and against real rpm with a real rpm database (built
 * by rpmbuild, installed with --justdb under a scratch $HOME) where dpkg is
 * hidden from PATH; with no comparator at all the section explains itself.
 * Hostile minimums (quotes, $(…), backticks, lua) reach the tools literally:
 * the canary files are never created. The fleet test runs the same section over SSH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVersions } from '../../scripts/inspect/parse-patch.ts';
import { buildVersionsBody, NO_COMPARATOR, VERSION_COMPARATOR, type VersionRequest } from '../../scripts/inspect/probe-patch.ts';
import { requireMachine } from '../helpers/needs.ts';

const RPM = requireMachine(['rpm']);
let dir: string;
const canary = (n: string) => path.join(dir, `canary-${n}`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-versions-'));
  await mkdir(path.join(dir, 't'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a section body as the probe does (a subshell with $T), with the given PATH and HOME. */
function run(body: string, env: Record<string, string>, args: string[] = []) {
  const r = spawnSync('/bin/sh', ['-c', `T=${dir}/t\n${body}`, 'sh', ...args], { env: { LC_ALL: 'C', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hostile = (): VersionRequest[] => [
  { name: 'dpkg', min: `1.0'; touch ${canary('quote')}; echo '` },
  { name: 'dpkg', min: `$(touch ${canary('subst')})` },
  { name: 'dpkg', min: `\`touch ${canary('backtick')}\`` },
];

describe('on this machine’s dpkg', () => {
  const dpkg = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'dpkg'], { encoding: 'utf8' });
  it('compares installed versions with dpkg --compare-versions; hostile minimums arrive literally', () => {
    const wanted: VersionRequest[] = [{ name: 'dpkg', min: '0' }, { name: 'dpkg', min: `99:${dpkg}` }, { name: 'og-no-such-package', min: '1' }, ...hostile()];
    const r = run(buildVersionsBody(wanted), { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' });
    expect(r.code, r.stderr).toBe(0);
    const v = parseVersions(r.stdout, wanted);
    expect(v.tool).toBe('dpkg');
    expect(v.results.map((x) => x.instances.map((i) => [i.installed, i.verdict]))).toEqual([[[dpkg, 'ok']], [[dpkg, 'older']], [], [[dpkg, 'bad']], [[dpkg, 'bad']], [[dpkg, 'bad']]]);
    // dpkg's own message quotes the minimum exactly as written in the baseline.
    expect(v.results.slice(3).map((x) => x.instances[0]!.message)).toEqual(hostile().map((h) => expect.stringContaining(`version '${h.min}' has bad syntax`)));
    for (const n of ['quote', 'subst', 'backtick']) expect(existsSync(canary(n))).toBe(false);
  });
});

it('without dpkg, rpmdev-vercmp or rpm the section says why and exits 3', () => {
  const r = run(buildVersionsBody([{ name: 'openssl', min: '1' }]), { PATH: path.join(dir, 'nothing') });
  expect([r.code, r.stdout, r.stderr.trim()]).toEqual([3, '', NO_COMPARATOR]);
});

RPM.describe('on real rpm (dpkg hidden from PATH)', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    // PATH is the machine's /usr/bin without dpkg*, as on an rpm host; HOME's rpmdb is the database rpm reads (%_dbpath ~/.rpmdb).
    const bin = path.join(dir, 'bin');
    const home = path.join(dir, 'home');
    await mkdir(bin);
    await mkdir(path.join(home, 'SPECS'), { recursive: true });
    for (const t of await readdir('/usr/bin')) if (!t.startsWith('dpkg')) await symlink(path.join('/usr/bin', t), path.join(bin, t));
    env = { PATH: bin, HOME: home };
    await writeFile(path.join(home, 'SPECS', 'og.spec'), 'Name: og-openssl-libs\nVersion: 3.0.7\nRelease: 24.el9\nEpoch: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n%files\n');
    execFileSync('rpmbuild', ['--define', `_topdir ${home}`, '-bb', path.join(home, 'SPECS', 'og.spec')], { env: { ...process.env, HOME: home }, stdio: 'pipe' });
    execFileSync('rpm', ['-i', '--justdb', '--nodeps', '--noscripts', path.join(home, 'RPMS', 'noarch', 'og-openssl-libs-3.0.7-24.el9.noarch.rpm')], {
      env: { ...process.env, HOME: home },
      stdio: 'pipe',
    });
  }, 120_000);

  it('compares the rpm database’s EVR with rpm.vercmp; epochs count', () => {
    const wanted: VersionRequest[] = [
      { name: 'og-openssl-libs', min: '1:3.0.7-27.el9' },
      { name: 'og-openssl-libs', min: '3.0.9-1.el9' },
      { name: 'og-openssl-libs', min: '1:3.0.7-24.el9' },
      { name: 'telnetd', min: '1' },
    ];
    const r = run(buildVersionsBody(wanted), env);
    expect(r.code, r.stderr).toBe(0);
    const v = parseVersions(r.stdout, wanted);
    expect(v.tool).toBe('rpm');
    expect(v.results.map((x) => x.instances.map((i) => [i.installed, i.verdict]))).toEqual([[['1:3.0.7-24.el9', 'older']], [['1:3.0.7-24.el9', 'ok']], [['1:3.0.7-24.el9', 'ok']], []]);
  });

  it('values reach rpm’s lua as data, never as code', () => {
    const lua = [`")) os.execute("touch ${canary('lua')}") --`, `%{lua: os.execute("touch ${canary('macro')}")}`, `1.0'; touch ${canary('rq')}; '`];
    for (const v of lua) {
      const r = run(`${VERSION_COMPARATOR}\nogvlt "$1" "$2"; echo "$ogvt $?"`, env, [v, '2']);
      expect(r.stdout.trim()).toMatch(/^rpm [01]$/);
    }
    for (const n of ['lua', 'macro', 'rq']) expect(existsSync(canary(n))).toBe(false);
  });
});
