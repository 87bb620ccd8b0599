/**
 * opsgate converge baseline against real sshd hosts: sshd options fixed in
 * sshd_config only after `sshd -t` accepts the result, then sshd reloaded;
 * sysctl fixed running and persisted; a file mode tightened.
 */
import { chmod, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';

let fleet: RunningFleet;
let repo: TestRepo;

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type, params, rationale: 'test rationale', remediation: `fix ${id}` });

async function cli(...args: string[]) {
  const stdout = new PassThrough(); const stderr = new PassThrough();
  let out = ''; let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  const code = await runCli(['--root', repo.root, ...args], { env: { PATH: process.env.PATH }, stdout, stderr, cwd: repo.root });
  return { code, out, err };
}

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'cb-1', groups: ['web'], sshd: { permitRootLogin: 'yes' }, sysctlRuntime: { 'net.ipv4.ip_forward': '1' } },
      { id: 'cb-2', groups: ['web'], sshd: { permitRootLogin: 'yes' } },
    ],
  });
  repo = await makeRepo(fleet);
  await repo.write('policies/baselines/fixable.yaml', { id: 'fixable', title: 'fixable', checks: [
    check('ssh.permit-root-login', 'sshd_option', { option: 'permitrootlogin', equals: 'no' }),
    check('sysctl.ip-forward', 'sysctl', { key: 'net.ipv4.ip_forward', value: 0 }),
    check('file.login-defs', 'file_mode', { path: '/etc/login.defs', max_mode: '0644' }),
  ] });
  // sshd rejects this value: nothing of the sshd block may be installed.
  await repo.write('policies/baselines/broken.yaml', { id: 'broken', title: 'broken', checks: [
    check('ssh.max-auth-tries', 'sshd_option', { option: 'maxauthtries', equals: 'lots' }),
  ] });
  repo.commit('baselines');
  await chmod(path.join(fleet.dir, 'cb-1', 'etc', 'login.defs'), 0o666);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('converge baseline', () => {
  it('--check lists the remediations and changes nothing', async () => {
    const r = await cli('converge', 'baseline', '--check', '--baselines', 'fixable', '--hosts', 'cb-1', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(r.out).toContain('cb-1: ssh.permit-root-login: would set PermitRootLogin no');
    expect(r.out).toContain('cb-1: sysctl.ip-forward: would set net.ipv4.ip_forward = 0');
    expect(r.out).toContain('cb-1: file.login-defs: would limit /etc/login.defs to mode 0644');
    expect(await readFile(path.join(fleet.dir, 'cb-1', 'etc', 'ssh', 'sshd_config'), 'utf8')).toContain('PermitRootLogin yes');
  }, 60_000);

  it('fixes sshd (validated, reloaded), sysctl (running and persisted) and a file mode; inspection then passes', async () => {
    const r = await cli('converge', 'baseline', '--baselines', 'fixable', '--hosts', 'cb-1', '--identity', fleet.clientKeyPath);
    expect(r.out).toContain('cb-1: sshd-set PermitRootLogin no');
    expect(r.out).toContain('cb-1: sshd-reloaded');
    expect(r.out).toContain('cb-1: sysctl-set net.ipv4.ip_forward = 0');
    expect(r.out).not.toContain('still failing');
    expect(r.code).toBe(0);
    const cfg = await readFile(path.join(fleet.dir, 'cb-1', 'etc', 'ssh', 'sshd_config'), 'utf8');
    expect(cfg.startsWith('# opsgate baseline: managed settings')).toBe(true);
    expect(cfg).toContain('# opsgate: PermitRootLogin yes');
    expect(await readFile(path.join(fleet.dir, 'cb-1', 'etc', 'sysctl.d', '99-opsgate-baseline.conf'), 'utf8')).toBe('net.ipv4.ip_forward = 0\n');
    expect((await stat(path.join(fleet.dir, 'cb-1', 'etc', 'login.defs'))).mode & 0o777).toBe(0o644);
    // The reloaded sshd still serves logins: a second run finds nothing to do.
    const again = await cli('converge', 'baseline', '--check', '--baselines', 'fixable', '--hosts', 'cb-1', '--identity', fleet.clientKeyPath);
    expect(again.code).toBe(0);
  }, 60_000);

  it('never installs an sshd_config that sshd -t rejects', async () => {
    const file = path.join(fleet.dir, 'cb-2', 'etc', 'ssh', 'sshd_config');
    const before = await readFile(file, 'utf8');
    const r = await cli('converge', 'baseline', '--baselines', 'broken', '--hosts', 'cb-2', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cb-2: sshd-invalid .*(maxauthtries|MaxAuthTries|lots)/i);
    expect(await readFile(file, 'utf8')).toBe(before);
  }, 60_000);
});
