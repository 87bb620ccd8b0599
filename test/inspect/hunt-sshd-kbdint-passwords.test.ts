/**
 * `PasswordAuthentication no` with `KbdInteractiveAuthentication yes` and `UsePAM yes`: sshd -T says passwords are off,
 * yet PAM's pam_unix takes the account's password through keyboard-interactive. Planted on real hosts and tried with a
 * password (OpenSSH's client, the password from SSH_ASKPASS): a check demanding `passwordauthentication no` must not pass
 * where a password alone logs in, and still passes where AuthenticationMethods asks for a key as well.
 */
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { evaluateSshdOption } from '../../scripts/inspect/checks-system.ts';
import { factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef } from '../../scripts/inspect/model.ts';
import type { StartFleetOptions } from '../fleet/fleet.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { findRow } from './fleet-host.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const PASSWORD = 'Hunt-er2pass';

const BASELINE = {
  id: 'huntkbd',
  title: 'sshd',
  checks: [{ id: 'p.pw', title: 'pw', severity: 'high', type: 'sshd_option', params: { option: 'passwordauthentication', equals: 'no' }, rationale: 'r', remediation: 'm' }],
};

const HOSTS = { 'p-kbd': true, 'p-kbd-and-key': false } as const;

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntkbd',
  baseline: BASELINE,
  fleet: (): StartFleetOptions => ({
    hosts: Object.keys(HOSTS).map((id) => ({
      id,
      sshd: { extra: ['UsePAM yes', 'KbdInteractiveAuthentication yes', ...(id === 'p-kbd-and-key' ? ['AuthenticationMethods publickey publickey,keyboard-interactive'] : [])] },
      accounts: [{ name: 'carol', uid: 1003, shell: '/bin/bash', password: 'set' as const }],
    })),
  }),
  afterStart: async (fleet) => {
    const hash = (await run('openssl', ['passwd', '-6', '-salt', 'opsgatehunt', PASSWORD])).stdout.trim();
    for (const id of Object.keys(HOSTS)) {
      const shadow = path.join(fleet.dir, id, 'etc', 'shadow');
      await writeFile(shadow, (await readFile(shadow, 'utf8')).replace(/^carol:[^:]*:/m, `carol:${hash}:`));
    }
    await writeFile(path.join(fleet.dir, 'askpass.sh'), `#!/bin/sh\necho '${PASSWORD}'\n`);
    await chmod(path.join(fleet.dir, 'askpass.sh'), 0o755);
  },
});

async function passwordLogsIn(host: string): Promise<boolean> {
  const h = suite.fleet.hosts.find((x) => x.id === host)!;
  const opts = ['PreferredAuthentications=keyboard-interactive', 'PubkeyAuthentication=no', 'NumberOfPasswordPrompts=1', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null'];
  const r = await run('ssh', [...opts.flatMap((o) => ['-o', o]), '-o', `ProxyCommand=${h.proxy_command!.join(' ')}`, `carol@${host}`, 'echo', 'in'], {
    timeout: 20_000,
    env: { ...process.env, SSH_ASKPASS: path.join(suite.fleet.dir, 'askpass.sh'), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
  }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout.trim() === 'in';
}

MACHINE.describe('passwords through keyboard-interactive, on real hosts', () => {
  it.each(Object.keys(HOSTS) as Array<keyof typeof HOSTS>)('%s: the row fails exactly where a password alone logs in', async (host) => {
    expect(await passwordLogsIn(host)).toBe(HOSTS[host]);
    const r = findRow(suite.rows, host, 'p.pw');
    expect(r.observed).toMatch(/^passwordauthentication no/);
    expect(r.status).toBe(HOSTS[host] ? 'fail' : 'pass');
    if (HOSTS[host]) expect(r.reason).toContain('keyboard-interactive');
  });
});

describe('passwordsThroughKbdInteractive, in the global view and in Match contexts', () => {
  const global = { passwordauthentication: ['no'], usepam: ['yes'], kbdinteractiveauthentication: ['no'], authenticationmethods: ['any'] };
  const ctx = (settings: Record<string, string[]>) => ({ label: 'user=deploy,host=203.0.113.10,addr=203.0.113.10', user: 'deploy', settings, status: 0 });
  const judge = (g: Record<string, string[]>, contexts: ReturnType<typeof ctx>[], params: Record<string, unknown> = { option: 'passwordauthentication', equals: 'no' }) =>
    evaluateSshdOption(
      { id: 'p', title: 'p', severity: 'high', type: 'sshd_option', params } as CheckDef,
      {
        sshd: factOk(g, 'sshd -T'),
        sshdContexts: factOk(contexts, 'sshd -T -C'),
        sshdRuntime: factOk({ configFiles: [] }, 'sshd -T'),
      } as unknown as HostFacts,
    );

  it('a Match block that only turns keyboard-interactive on fails, naming its context', () => {
    const o = judge(global, [ctx({ kbdinteractiveauthentication: ['yes'] })]);
    expect(o).toMatchObject({
      status: 'fail',
      reason: 'Match context user=deploy,host=203.0.113.10,addr=203.0.113.10: a password alone still logs in through keyboard-interactive (UsePAM yes, KbdInteractiveAuthentication yes)',
    });
  });

  it('no PAM, or a key asked for in every method list, or a baseline that allows passwords: as before', () => {
    expect(judge({ ...global, usepam: ['no'], kbdinteractiveauthentication: ['yes'] }, []).status).toBe('pass');
    expect(judge({ ...global, kbdinteractiveauthentication: ['yes'], authenticationmethods: ['publickey,keyboard-interactive:pam hostbased'] }, []).status).toBe('pass');
    expect(judge({ ...global, kbdinteractiveauthentication: ['yes'], authenticationmethods: ['publickey keyboard-interactive'] }, []).status).toBe('fail');
    expect(judge({ ...global, kbdinteractiveauthentication: ['yes'] }, [], { option: 'passwordauthentication', in: ['yes', 'no'] }).status).toBe('pass');
  });
});
