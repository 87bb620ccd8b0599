/**
 * Never lock ourselves out: a change to sshd_config is commit-confirmed. A
 * broken one (it passes `sshd -t` but refuses our login) is reverted by the
 * host itself, and opsgate can connect again afterwards; a good one is
 * confirmed over a fresh connection and its dead-man timer is gone.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, count, counting, hostProcesses, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const sshdConfig = (host: string) => path.join(fleet.dir, host, 'etc', 'ssh', 'sshd_config');
// HUP the sshd that listens in this host's network namespace (not every sshd on the machine).
const RELOAD = {
  id: 'reload-sshd',
  kind: 'run',
  sudo: true,
  idempotent: true,
  argv: ['sh', '-c', `kill -HUP "$(ss -Htlnp 'sport = :22' | sed -n 's/.*"sshd",pid=\\([0-9]*\\).*/\\1/p' | head -n 1)"`],
};

/**
 * The fleet's hosts share the machine's real /etc/ssh directory (only sshd_config is their own). Anything opsgate
 * leaves there (a saved copy, a temporary file) is seen by every other fleet on the machine — that is how one run
 * once restored ANOTHER fleet's sshd_config. Files there that carry this fleet's tag are such leaks.
 */
async function leakedIntoMachine(): Promise<string[]> {
  const names = (await readdir('/etc/ssh')).filter((n) => n.includes('opsgate'));
  const out: string[] = [];
  for (const n of names) if ((await readFile(path.join('/etc/ssh', n), 'utf8').catch(() => '')).includes(fleet.tag)) out.push(n);
  return out;
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'lo-bad' }, { id: 'lo-good' }, { id: 'lo-run-bad' }, { id: 'lo-run-good' }, { id: 'lo-run-plain' }] });
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  const tag = fleet?.tag;
  try {
    await fleet?.stop();
    await repo?.cleanup();
  } finally {
    // Pass or fail, no namespace of this fleet is left behind.
    if (tag)
      expect(
        execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.startsWith(`${tag}-`)),
      ).toEqual([]);
  }
});

MACHINE.describe('commit-confirmed sshd changes', () => {
  it('a broken sshd change is reverted by the host itself, and opsgate can connect afterwards', async () => {
    const before = await readFile(sshdConfig('lo-bad'), 'utf8');
    // Valid for sshd -t, fatal for us: the login user is refused.
    await repo.mergeChange(
      changeDoc('CHG-2026-0301', {
        targets: { hosts: ['lo-bad'] },
        steps: [{ id: 'sshd-config', kind: 'upload', source: 'files/sshd-bad.conf', dest: '/etc/ssh/sshd_config', mode: '0600', owner: 'root', group: 'root' }, RELOAD],
        rollback: [RELOAD],
      }),
      301,
      'satisfied',
      { 'files/sshd-bad.conf': `DenyUsers opsgate\n${before}` },
    );
    const r = await cli('apply', 'CHG-2026-0301', '--confirm-seconds', '5');
    expect(r.code).toBe(1);
    expect(r.out).toContain('commit-confirmation failed');
    const ev = await records(repo, 'CHG-2026-0301');
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host: 'lo-bad', ok: true });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host: 'lo-bad', confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host: 'lo-bad', outcome: 'reverted' });
    expect(await readFile(sshdConfig('lo-bad'), 'utf8')).toBe(before);
    expect(await leakedIntoMachine()).toEqual([]);
    // A new connection works again: another change runs there.
    await repo.mergeChange(changeDoc('CHG-2026-0302', { targets: { hosts: ['lo-bad'] }, steps: [counting('after')] }), 302);
    const after = await cli('apply', 'CHG-2026-0302');
    expect(after.code, after.out + after.err).toBe(0);
    expect(await count(fleet, 'lo-bad', 'after')).toBe(1);
  }, 120_000);

  it('a good sshd change is confirmed over a fresh connection; the dead-man timer is gone', async () => {
    const before = await readFile(sshdConfig('lo-good'), 'utf8');
    await repo.mergeChange(
      changeDoc('CHG-2026-0303', {
        targets: { hosts: ['lo-good'] },
        steps: [{ id: 'sshd-config', kind: 'upload', source: 'files/sshd-good.conf', dest: '/etc/ssh/sshd_config', mode: '0600', owner: 'root', group: 'root' }, RELOAD],
      }),
      303,
      'satisfied',
      { 'files/sshd-good.conf': `MaxAuthTries 2\n${before}` },
    );
    const r = await cli('apply', 'CHG-2026-0303', '--confirm-seconds', '30');
    expect(r.code, r.out + r.err).toBe(0);
    const ev = await records(repo, 'CHG-2026-0303');
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host: 'lo-good', confirmed: true, confirm_ms: expect.any(Number) });
    expect(await readFile(sshdConfig('lo-good'), 'utf8')).toBe(`MaxAuthTries 2\n${before}`);
    expect(hostProcesses(fleet, 'lo-good', 'timer.sh')).toEqual([]);
    // The copy a rollback would restore is in the host's own state directory, not beside the file.
    expect(await leakedIntoMachine()).toEqual([]);
    const saved = execFileSync('find', [path.join(fleet.dir, 'lo-good', 'var-lib-opsgate', 'saved'), '-type', 'f'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(saved).toHaveLength(1);
    expect(await readFile(saved[0]!, 'utf8')).toBe(before);
  }, 120_000);

  // A `run` step is a shell: what it edits is known only on the host. Every root step runs under the protected-set guard.
  it('a run step that locks opsgate out through sed on sshd_config is reverted by the host itself; opsgate connects afterwards', async () => {
    const host = 'lo-run-bad';
    const before = await readFile(sshdConfig(host), 'utf8');
    await repo.mergeChange(
      changeDoc('CHG-2026-0311', {
        targets: { hosts: [host] },
        steps: [
          {
            id: 'lock-down',
            kind: 'run',
            sudo: true,
            idempotent: true,
            // sed into the file in place (the fleet's sshd_config is a bind mount: no rename onto it), then reload.
            argv: ['sh', '-c', `c=$(sed -e '1i PermitRootLogin no' -e '1i AllowUsers nobody' /etc/ssh/sshd_config) && printf '%s\\n' "$c" > /etc/ssh/sshd_config && ${RELOAD.argv[2]}`],
          },
        ],
      }),
      311,
    );
    const r = await cli('apply', 'CHG-2026-0311', '--confirm-seconds', '5');
    expect(r.code, r.out + r.err).toBe(1);
    const ev = await records(repo, 'CHG-2026-0311');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'lock-down')).toMatchObject({ outcome: 'succeeded', protected: { changed: ['/etc/ssh/sshd_config'] } });
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host, ok: true, by: 'lock-down', guard: 'protected-set', changed: ['/etc/ssh/sshd_config'] });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
    expect(await readFile(sshdConfig(host), 'utf8')).toBe(before);
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
    expect(await leakedIntoMachine()).toEqual([]);
    await repo.mergeChange(changeDoc('CHG-2026-0312', { targets: { hosts: [host] }, steps: [counting('after-run')] }), 312);
    const after = await cli('apply', 'CHG-2026-0312');
    expect(after.code, after.out + after.err).toBe(0);
    expect(await count(fleet, host, 'after-run')).toBe(1);
  }, 120_000);

  it('a harmless protected edit by a step that calls sudo itself is confirmed over a fresh connection and kept', async () => {
    const host = 'lo-run-good';
    const before = await readFile(sshdConfig(host), 'utf8');
    await repo.mergeChange(
      changeDoc('CHG-2026-0313', {
        targets: { hosts: [host] },
        steps: [{ id: 'note', kind: 'run', idempotent: true, argv: ['sh', '-c', `printf '# reviewed by opsgate\\n' | sudo -n tee -a /etc/ssh/sshd_config > /dev/null`] }],
      }),
      313,
    );
    const r = await cli('apply', 'CHG-2026-0313', '--confirm-seconds', '30');
    expect(r.code, r.out + r.err).toBe(0);
    const ev = await records(repo, 'CHG-2026-0313');
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host, by: 'note', changed: ['/etc/ssh/sshd_config'] });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: true, confirm_ms: expect.any(Number) });
    expect(await readFile(sshdConfig(host), 'utf8')).toBe(`${before}# reviewed by opsgate\n`);
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
  }, 120_000);

  it('a root step that leaves the protected set alone needs no confirmation, and leaves no timer or copy behind', async () => {
    const host = 'lo-run-plain';
    await repo.mergeChange(
      changeDoc('CHG-2026-0314', { targets: { hosts: [host] }, steps: [{ id: 'plain', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', 'echo ran >> /home/opsgate/count-plain'] }] }),
      314,
    );
    const r = await cli('apply', 'CHG-2026-0314');
    expect(r.code, r.out + r.err).toBe(0);
    const ev = await records(repo, 'CHG-2026-0314');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'plain')).toMatchObject({ outcome: 'succeeded', protected: 'unchanged' });
    expect(ev.filter((e) => String(e.type).startsWith('confirm.'))).toEqual([]);
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
    expect(execFileSync('find', [path.join(fleet.dir, host, 'var-lib-opsgate', 'confirm'), '-mindepth', '1', '-maxdepth', '1'], { encoding: 'utf8' })).toBe('');
  }, 120_000);
});
