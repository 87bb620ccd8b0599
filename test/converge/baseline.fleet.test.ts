/**
 * opsgate converge baseline against real sshd hosts: sshd options fixed in
 * sshd_config only after `sshd -t` accepts the result, then the sshd that listens (on any port) reloaded;
 * sysctl fixed running and persisted; a file mode tightened.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, chmod, link, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { changeDoc, makeRepo, type TestRepo } from '../change/harness.ts';
import { captureStdio } from '../helpers/capture.ts';

let fleet: RunningFleet;
let repo: TestRepo;

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type, params, rationale: 'test rationale', remediation: `fix ${id}` });

async function cli(...args: string[]) {
  const io = captureStdio();
  const code = await runCli(['--root', repo.root, ...args], { env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main' }, stdout: io.stdout, stderr: io.stderr, cwd: repo.root });
  return { code, out: io.out(), err: io.err() };
}

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'cb-1', groups: ['web'], sshd: { permitRootLogin: 'yes' }, sysctlRuntime: { 'net.ipv4.ip_forward': '1' } },
      { id: 'cb-2', groups: ['web'], sshd: { permitRootLogin: 'yes' } },
      { id: 'cb-3', groups: ['chg'], sshd: { permitRootLogin: 'yes' } },
      { id: 'cb-4', groups: ['lnk'], sshd: { permitRootLogin: 'yes' }, sysctlRuntime: { 'net.ipv4.ip_forward': '1' } },
      { id: 'cb-5', groups: ['lnk'], sshd: { permitRootLogin: 'yes' } },
      { id: 'cb-6', groups: ['lnk'], sshd: { permitRootLogin: 'yes' }, sysctlRuntime: { 'net.ipv4.ip_forward': '1' } },
      { id: 'cb-8', groups: ['lnk'], sshd: { permitRootLogin: 'yes' } },
      { id: 'cb-7', groups: ['alt'], sshd: { extra: ['PasswordAuthentication yes'] } },
    ],
  });
  await moveSshd('cb-7', 2222);
  repo = await makeRepo(fleet);
  await repo.write('policies/baselines/fixable.yaml', {
    id: 'fixable',
    title: 'fixable',
    checks: [
      check('ssh.permit-root-login', 'sshd_option', { option: 'permitrootlogin', equals: 'no' }),
      check('sysctl.ip-forward', 'sysctl', { key: 'net.ipv4.ip_forward', value: 0 }),
      check('file.login-defs', 'file_mode', { path: '/etc/login.defs', max_mode: '0644' }),
    ],
  });
  // Valid for sshd, but a key exchange opsgate's client cannot speak: refused before anything connects.
  await repo.write('policies/baselines/unspeakable.yaml', {
    id: 'unspeakable',
    title: 'unspeakable',
    checks: [check('ssh.kex', 'sshd_option', { option: 'kexalgorithms', equals: 'sntrup761x25519-sha512@openssh.com' })],
  });
  await repo.write('inventory/groups/chg.yaml', { id: 'chg', title: 'chg', owners: [] });
  // sshd rejects this value: nothing of the sshd block may be installed.
  await repo.write('policies/baselines/broken.yaml', { id: 'broken', title: 'broken', checks: [check('ssh.max-auth-tries', 'sshd_option', { option: 'maxauthtries', equals: 'lots' })] });
  // Files reached through a symbolic link or sharing their inode with another name (hostile drift on cb-4..cb-6, cb-8).
  await repo.write('policies/baselines/linked.yaml', {
    id: 'linked',
    title: 'linked',
    checks: [
      check('ssh.permit-root-login', 'sshd_option', { option: 'permitrootlogin', equals: 'no' }),
      check('sysctl.ip-forward', 'sysctl', { key: 'net.ipv4.ip_forward', value: 0 }),
      check('file.defs-link', 'file_mode', { path: '/etc/sysctl.d/login.defs', max_mode: '0600', owner: 'root', group: 'root' }),
      check('file.defs-hard', 'file_mode', { path: '/etc/sysctl.d/defs-copy', max_mode: '0600', owner: 'root', group: 'root' }),
      check('file.dir-link', 'file_mode', { path: '/etc/sysctl.d/conf/login.defs', max_mode: '0600', owner: 'root', group: 'root' }),
    ],
  });
  await repo.write('inventory/groups/lnk.yaml', { id: 'lnk', title: 'lnk', owners: [] });
  await repo.write('policies/baselines/no-password.yaml', {
    id: 'no-password',
    title: 'no-password',
    checks: [check('ssh.password', 'sshd_option', { option: 'passwordauthentication', equals: 'no' })],
  });
  await repo.write('inventory/groups/alt.yaml', { id: 'alt', title: 'alt', owners: [] });
  repo.commit('baselines');
  await chmod(path.join(fleet.dir, 'cb-1', 'etc', 'login.defs'), 0o666);
  // Debian's own link to sysctl.conf is not refused: sysctl.conf is edited by its own name, never through the link.
  await appendFile(path.join(fleet.dir, 'cb-1', 'etc', 'sysctl.conf'), 'net.ipv4.ip_forward = 1\n');
  await symlink('../sysctl.conf', path.join(fleet.dir, 'cb-1', 'etc', 'sysctl.d', '99-sysctl.conf'));
  const etcOf = (h: string, ...p: string[]) => path.join(fleet.dir, h, 'etc', ...p);
  // cb-4: the checked path is a symbolic link to /etc/shadow (a chmod/chgrp through it would change shadow).
  await symlink('/etc/shadow', etcOf('cb-4', 'sysctl.d', 'login.defs'));
  await writeFile(etcOf('cb-4', 'sysctl.d', 'defs-copy'), 'x\n', { mode: 0o600 });
  // cb-5: the checked path is a hard link to the host's login.defs (one inode, two names).
  await link(etcOf('cb-5', 'login.defs'), etcOf('cb-5', 'sysctl.d', 'defs-copy'));
  await writeFile(etcOf('cb-5', 'sysctl.d', 'login.defs'), 'x\n', { mode: 0o600 });
  // cb-6: a sysctl drop-in that links to login.defs and persists the key: commenting it out would edit login.defs.
  await appendFile(etcOf('cb-6', 'login.defs'), 'net.ipv4.ip_forward = 1\n');
  await symlink('/etc/login.defs', etcOf('cb-6', 'sysctl.d', '50-forward.conf'));
  await writeFile(etcOf('cb-6', 'sysctl.d', 'login.defs'), 'x\n', { mode: 0o600 });
  await writeFile(etcOf('cb-6', 'sysctl.d', 'defs-copy'), 'x\n', { mode: 0o600 });
  // cb-8: a directory on the checked path is a symbolic link (/etc/sysctl.d/conf -> /etc): the file reached is login.defs.
  await symlink('/etc', etcOf('cb-8', 'sysctl.d', 'conf'));
  await writeFile(etcOf('cb-8', 'sysctl.d', 'login.defs'), 'x\n', { mode: 0o600 });
  await writeFile(etcOf('cb-8', 'sysctl.d', 'defs-copy'), 'x\n', { mode: 0o600 });
}, 60_000);

/** In HOST's network namespace. */
const inNs = (host: string, argv: string[]) => execFileSync('ip', ['netns', 'exec', fleet.namespaceOf(host), ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const listeners = (host: string) => inNs(host, ['ss', '-Htlnp']);

/** HOST's sshd listens on PORT only (its file says so, and the daemon was HUPed onto it); opsgate reaches it there. */
async function moveSshd(host: string, port: number): Promise<void> {
  const file = path.join(fleet.dir, host, 'etc', 'ssh', 'sshd_config');
  await writeFile(file, (await readFile(file, 'utf8')).replace('ListenAddress 127.0.0.1:22\n', `ListenAddress 127.0.0.1:${port}\n`));
  const pid = /"sshd",pid=(\d+)/.exec(listeners(host))![1]!;
  process.kill(Number(pid), 'SIGHUP');
  for (let i = 0; i < 50 && !listeners(host).includes(`127.0.0.1:${port}`); i++) await new Promise((r) => setTimeout(r, 100));
  expect(listeners(host)).toContain(`127.0.0.1:${port}`);
  expect(listeners(host)).not.toContain('127.0.0.1:22 ');
  fleet.hosts.find((h) => h.id === host)!.proxy_command = ['ip', 'netns', 'exec', fleet.namespaceOf(host), 'nc', '127.0.0.1', String(port)];
}

/**
 * The authentication methods the RUNNING daemon offers a fresh connection (its "Permission denied (…)" list): what it
 * loaded, not what its files say (`sshd -T` reads the files).
 */
function offeredMethods(host: string, port: number): string {
  try {
    const options = ['BatchMode=yes', 'IdentitiesOnly=yes', 'IdentityFile=none', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', 'ConnectTimeout=5'];
    inNs(host, ['ssh', '-F', '/dev/null', '-p', String(port), ...options.flatMap((o) => ['-o', o]), 'nobody@127.0.0.1', 'true']);
  } catch (e) {
    return /Permission denied \(([^)]*)\)/.exec(String((e as { stderr?: string }).stderr))?.[1] ?? `no answer: ${String((e as { stderr?: string }).stderr)}`;
  }
  return 'logged in';
}

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
    expect(await readFile(path.join(fleet.dir, 'cb-1', 'etc', 'sysctl.conf'), 'utf8')).toContain('# opsgate: net.ipv4.ip_forward = 1\n');
    // The reloaded sshd still serves logins: a second run finds nothing to do.
    const again = await cli('converge', 'baseline', '--check', '--baselines', 'fixable', '--hosts', 'cb-1', '--identity', fleet.clientKeyPath);
    expect(again.code).toBe(0);
  }, 60_000);

  it('a running value that drifted back is set again; the drop-in opsgate wrote is rewritten, never edited as a file to comment out', async () => {
    inNs('cb-1', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const r = await cli('converge', 'baseline', '--baselines', 'fixable', '--hosts', 'cb-1', '--identity', fleet.clientKeyPath);
    expect(r.out).toContain('cb-1: sysctl-set net.ipv4.ip_forward = 0');
    expect(r.code, r.out + r.err).toBe(0);
    expect(await readFile(path.join(fleet.dir, 'cb-1', 'etc', 'sysctl.d', '99-opsgate-baseline.conf'), 'utf8')).toBe('net.ipv4.ip_forward = 0\n');
  }, 60_000);

  it('reloads the sshd that listens on another port: a fresh connection meets the converged setting', async () => {
    expect(offeredMethods('cb-7', 2222)).toBe('publickey,password');
    const r = await cli('converge', 'baseline', '--baselines', 'no-password', '--hosts', 'cb-7', '--identity', fleet.clientKeyPath);
    expect(r.out).toContain('cb-7: sshd-set PasswordAuthentication no');
    expect(r.out).toContain('cb-7: sshd-reloaded');
    expect(r.out).not.toContain('reload failed');
    expect(r.code, r.out + r.err).toBe(0);
    // The daemon that answers runs the new file, not only the file on disk.
    expect(offeredMethods('cb-7', 2222)).toBe('publickey');
    expect(listeners('cb-7')).toContain('127.0.0.1:2222');
  }, 60_000);

  it('never installs an sshd_config that sshd -t rejects', async () => {
    const file = path.join(fleet.dir, 'cb-2', 'etc', 'ssh', 'sshd_config');
    const before = await readFile(file, 'utf8');
    const r = await cli('converge', 'baseline', '--baselines', 'broken', '--hosts', 'cb-2', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cb-2: sshd-invalid .*(maxauthtries|MaxAuthTries|lots)/i);
    expect(await readFile(file, 'utf8')).toBe(before);
  }, 60_000);

  it('refuses, before connecting, an sshd setting opsgate could not speak, at its line', async () => {
    const file = path.join(fleet.dir, 'cb-2', 'etc', 'ssh', 'sshd_config');
    const before = await readFile(file, 'utf8');
    const r = await cli('converge', 'baseline', '--baselines', 'unspeakable', '--hosts', 'cb-2', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/policies\/baselines\/unspeakable\.yaml:\d+:\d+ {2}converge\.unsafe-sshd-setting {2}ssh\.kex on cb-2: .*ssh2/);
    expect(await readFile(file, 'utf8')).toBe(before);
  }, 60_000);

  it.each([
    ['cb-4', '/etc/sysctl.d/login.defs is a symbolic link to /etc/shadow', 'file.defs-link'],
    ['cb-5', '/etc/sysctl.d/defs-copy has 2 hard links (also /etc/login.defs)', 'file.defs-hard'],
    ['cb-6', '/etc/sysctl.d/50-forward.conf is a symbolic link to /etc/login.defs', 'sysctl.ip-forward'],
    ['cb-8', '/etc/sysctl.d/conf is a symbolic link to /etc', 'file.dir-link'],
  ])(
    '%s: never changes a file through a link; refuses with the reason, records it, changes nothing',
    async (host, reason, checkId) => {
      const watched = ['shadow', 'login.defs', 'ssh/sshd_config', 'sysctl.conf'].map((f) => path.join(fleet.dir, host, 'etc', f));
      const before = await Promise.all(watched.map(async (f) => ({ f, text: await readFile(f, 'utf8'), st: await stat(f) })));
      const r = await cli('converge', 'baseline', '--baselines', 'linked', '--hosts', host, '--identity', fleet.clientKeyPath);
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.out).toContain(`${host}: refused ${checkId}: ${reason}`);
      expect(r.out).toContain(`${host}: nothing-changed`);
      expect(r.out).not.toMatch(/sshd-set|sysctl-set|mode-set/);
      for (const b of before) {
        const st = await stat(b.f);
        expect(await readFile(b.f, 'utf8'), b.f).toBe(b.text);
        expect([st.mode, st.uid, st.gid], b.f).toEqual([b.st.mode, b.st.uid, b.st.gid]);
      }
      expect(await readdir(path.join(fleet.dir, host, 'etc', 'sysctl.d'))).not.toContain('99-opsgate-baseline.conf');
      const dir = path.join(repo.root, 'records', 'converge', 'baseline');
      const lines = (await Promise.all((await readdir(dir)).map((f) => readFile(path.join(dir, f), 'utf8'))))
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const done = lines.filter((l) => l.type === 'converge.done' && l.host === host).at(-1)!;
      expect(done).toMatchObject({ outcome: 'failed' });
      expect(String(done.error)).toContain(`${checkId}: ${reason}`);
    },
    60_000,
  );

  it('the sshd change was confirmed over a fresh connection (recorded)', async () => {
    const dir = path.join(repo.root, 'records', 'converge', 'baseline');
    const lines = (await Promise.all((await readdir(dir)).map((f) => readFile(path.join(dir, f), 'utf8'))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = lines.find((l) => l.type === 'converge.done' && l.host === 'cb-1')!;
    expect(done).toMatchObject({ outcome: 'succeeded', confirm: { confirmed: true } });
  });

  it('a change can converge a baseline, with the same commit-confirmed safety', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0401', { targets: { groups: ['chg'] }, steps: [{ id: 'harden', kind: 'converge', target: 'baseline', baseline: 'fixable' }] }), 401);
    const plan = await cli('plan', 'CHG-2026-0401');
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain('baseline fixable: 1 sshd settings (commit-confirmed), 1 sysctl, 1 file modes');
    const r = await cli('apply', 'CHG-2026-0401', '--identity', fleet.clientKeyPath);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('cb-3: commit-confirmation confirmed over a fresh connection');
    expect(await readFile(path.join(fleet.dir, 'cb-3', 'etc', 'ssh', 'sshd_config'), 'utf8')).toContain('# opsgate: PermitRootLogin yes');
    // A baseline opsgate could not survive is refused at plan time, located in the change.
    await repo.mergeChange(changeDoc('CHG-2026-0402', { targets: { groups: ['chg'] }, steps: [{ id: 'harden', kind: 'converge', target: 'baseline', baseline: 'unspeakable' }] }), 402);
    const bad = await cli('plan', 'CHG-2026-0402');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/changes\/2026\/CHG-2026-0402\.yaml:\d+:\d+ {2}converge\.unsafe-sshd-setting/);
  }, 90_000);
});
