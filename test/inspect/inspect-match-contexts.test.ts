/**
 * sshd Match contexts on real hosts: accounts that Match User/Group lines select alike share one
 * `sshd -T -C` run, accounts no Match line can select are the global view, and every account a
 * weakening context applies to is still named. Each planted weakening is confirmed with sshd's own
 * `sshd -T -C` for that account first.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { captureStdio } from '../helpers/capture.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let rows: InspectionRow[];

const BASELINE = {
  id: 'match-contexts',
  title: 'Match',
  checks: [
    { id: 'ssh.password-auth', title: '禁止口令登录', severity: 'high', type: 'sshd_option', params: { option: 'passwordauthentication', equals: 'no' }, rationale: 'r', remediation: 'm' },
    { id: 'ssh.x11', title: 'X11', severity: 'low', type: 'sshd_option', params: { option: 'x11forwarding', equals: 'no' }, rationale: 'r', remediation: 'm' },
  ],
};

const row = (host: string, check: string) => {
  const r = rows.find((x) => x.host === host && x.check === check);
  if (!r) throw new Error(`no row ${host} ${check}`);
  return r;
};
/** The accounts a row's reason names as weakened contexts. */
const named = (r: InspectionRow) => [...r.reason.matchAll(/Match context user=([^,]+),/g)].map((m) => m[1]).sort();

async function sshdT(id: string, spec: string): Promise<string> {
  const h = fleet.hosts.find((x) => x.id === id)!;
  const s = await connectHost(
    { id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command! },
    { auth: { privateKey: await readFile(fleet.clientKeyPath, 'utf8') } },
  );
  try {
    return (await s.exec(['sudo', '-n', 'sshd', '-T', '-C', spec], { timeoutMs: 20_000 })).stdout;
  } finally {
    await s.close();
  }
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    hosts: [
      {
        // Group: supplementary (deploy in sudo) and primary (svc's primary group adm) select the block; alice is in neither.
        id: 'm-group',
        groups: ['web'],
        accounts: [
          { name: 'deploy', uid: 1001, groups: ['sudo'] },
          { name: 'svc', uid: 1002, primaryGroup: 'adm' },
          { name: 'alice', uid: 1003 },
        ],
        sshd: { match: ['Match Group sudo,adm', '  PasswordAuthentication yes'] },
      },
      {
        // Wildcards and negation: ann and amy match a*, andy is excluded, bob never matches.
        id: 'm-wild',
        groups: ['web'],
        accounts: [
          { name: 'ann', uid: 1001 },
          { name: 'amy', uid: 1002 },
          { name: 'andy', uid: 1003 },
          { name: 'bob', uid: 1004 },
        ],
        sshd: { match: ['Match User a*,!andy', '  PasswordAuthentication yes', 'Match User b?b Address 10.1.0.0/16', '  X11Forwarding yes'] },
      },
      {
        // Match RDomain: sshd -T -C without rdomain says the block does not apply; a real connection on Linux has rdomain "".
        id: 'm-rdomain',
        groups: ['web'],
        sshd: { match: ['Match RDomain *', '  PasswordAuthentication yes'] },
      },
      {
        // An exclusion that removes the network's first address: 10.0.0.0 is not in the block, 10.128.0.0 is.
        id: 'm-negaddr',
        groups: ['web'],
        sshd: { match: ['Match Address 10.0.0.0/8,!10.0.0.0/24', '  PasswordAuthentication yes'] },
      },
      { id: 'm-laddr', groups: ['web'], sshd: { match: ['Match LocalAddress 127.0.0.1', '  PasswordAuthentication yes'] } },
      {
        // A Match line no login account can select: nothing weakens, and no context is run.
        id: 'm-nobody',
        groups: ['web'],
        accounts: [{ name: 'carol', uid: 1001 }],
        sshd: { match: ['Match User ghost', '  PasswordAuthentication yes'] },
      },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: fleet.clientPublicKey, bob: fleet.clientPublicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'match-contexts.yaml'), stringify(BASELINE));
  const io = captureStdio();
  const code = await runCli(['inspect', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '20', '--baselines', 'match-contexts'], {
    env: { ...fleet.env, PATH: process.env.PATH },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
  });
  if (code !== 1) throw new Error(`inspect exited ${code}: ${io.err()}`);
  rows = (JSON.parse(io.out()) as { results: InspectionRow[] }).results;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

MACHINE.describe('sshd Match contexts: one run per class of accounts, every account named (real hosts)', () => {
  it('Match Group: primary and supplementary members are named, others are not', async () => {
    for (const u of ['deploy', 'svc']) expect(await sshdT('m-group', `user=${u},host=203.0.113.10,addr=203.0.113.10`)).toMatch(/^passwordauthentication yes$/m);
    expect(await sshdT('m-group', 'user=alice,host=203.0.113.10,addr=203.0.113.10')).toMatch(/^passwordauthentication no$/m);
    const r = row('m-group', 'ssh.password-auth');
    expect(r).toMatchObject({ status: 'fail', severity: 'high' });
    expect(named(r)).toEqual(['deploy', 'svc']);
    expect(r.reason).toContain('Match context user=svc,host=203.0.113.10,addr=203.0.113.10: passwordauthentication is yes');
  });

  it('Match User with wildcards and negation: ann and amy, not andy or bob; Address with a user pattern: bob from 10.1.0.0/16 only', async () => {
    expect(await sshdT('m-wild', 'user=amy,host=203.0.113.10,addr=203.0.113.10')).toMatch(/^passwordauthentication yes$/m);
    expect(await sshdT('m-wild', 'user=andy,host=203.0.113.10,addr=203.0.113.10')).toMatch(/^passwordauthentication no$/m);
    expect(await sshdT('m-wild', 'user=bob,host=10.1.0.0,addr=10.1.0.0')).toMatch(/^x11forwarding yes$/m);
    const pw = row('m-wild', 'ssh.password-auth');
    expect(pw.status).toBe('fail');
    // Two addresses (203.0.113.10 and the 10.1.0.0/16 the Match Address names), so each named account appears twice.
    expect(named(pw)).toEqual(['amy', 'amy', 'ann', 'ann']);
    const x11 = row('m-wild', 'ssh.x11');
    expect(x11).toMatchObject({ status: 'fail', severity: 'low', evidence: 'sshd -T -C user=bob,host=10.1.0.0,addr=10.1.0.0' });
    expect(named(x11)).toEqual(['bob']);
  });

  it('Match RDomain: the routing domain of each listener (none: "") is a context, so `RDomain *` is seen as the daemon applies it', async () => {
    // Ground truth: a real connection is offered password authentication, although sshd -T -C without rdomain says no.
    const h = fleet.hosts.find((x) => x.id === 'm-rdomain')!;
    const offered = await run(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-o',
        'PreferredAuthentications=none',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        `ProxyCommand=${h.proxy_command!.join(' ')}`,
        'nobody@m-rdomain',
        'true',
      ],
      { timeout: 20_000 },
    ).then(
      () => '',
      (e: { stderr?: string }) => e.stderr ?? '',
    );
    expect(offered).toMatch(/Permission denied \(publickey,password\)/);
    expect(await sshdT('m-rdomain', 'user=opsgate,host=203.0.113.10,addr=203.0.113.10')).toMatch(/^passwordauthentication no$/m);
    const r = row('m-rdomain', 'ssh.password-auth');
    expect(r).toMatchObject({ status: 'fail', severity: 'high', evidence: expect.stringMatching(/^sshd -T -C user=\w+,host=203\.0\.113\.10,addr=203\.0\.113\.10,rdomain=$/) });
    expect(r.reason).toContain('Match context user=opsgate,host=203.0.113.10,addr=203.0.113.10,rdomain=: passwordauthentication is yes');
  });

  it('Match Address with an exclusion of the first addresses: the network is also read at its middle and last address', async () => {
    expect(await sshdT('m-negaddr', 'user=opsgate,host=10.0.0.0,addr=10.0.0.0')).toMatch(/^passwordauthentication no$/m);
    expect(await sshdT('m-negaddr', 'user=opsgate,host=10.128.0.0,addr=10.128.0.0')).toMatch(/^passwordauthentication yes$/m);
    const r = row('m-negaddr', 'ssh.password-auth');
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('Match context user=opsgate,host=10.128.0.0,addr=10.128.0.0: passwordauthentication is yes');
    expect(r.reason).toContain('Match context user=opsgate,host=10.255.255.255,addr=10.255.255.255: passwordauthentication is yes');
    expect(r.reason).not.toContain('addr=10.0.0.0:');
  });

  it('Match LocalAddress: the listening address is a context', async () => {
    expect(await sshdT('m-laddr', 'user=opsgate,host=203.0.113.10,addr=203.0.113.10,laddr=127.0.0.1,lport=22')).toMatch(/^passwordauthentication yes$/m);
    const r = row('m-laddr', 'ssh.password-auth');
    expect(r).toMatchObject({ status: 'fail', severity: 'high' });
    expect(r.reason).toContain('Match context user=opsgate,host=203.0.113.10,addr=203.0.113.10,laddr=127.0.0.1,lport=22: passwordauthentication is yes');
  });

  it('a Match line no account can select: pass, and no context is evaluated', () => {
    const r = row('m-nobody', 'ssh.password-auth');
    expect(r.status).toBe('pass');
    expect(r.observed).toBe('passwordauthentication no');
  });
});
