/**
 * Accounts sshd refuses, planted on real hosts and tried with their own key: what inspection counts as a login account
 * must be what sshd lets in, under the host's own UsePAM. Measured on these hosts (OpenSSH 9.2, Debian 12, pam_unix of
 * libpam 1.5.2) and held here:
 * - an expiry day already past refuses the account with and without PAM; on the expiry day itself PAM refuses
 *   (pam_unix: today >= expire) but sshd's own check without PAM does not (auth-shadow.c: today > expire);
 * - a password past its inactivity period (lastchange + max + inactive < today) refuses the account only through PAM's
 *   account stack; without PAM sshd never looks at it for a key;
 * - a password locked with `!` refuses even a key without PAM (sshd's LOCKED_PASSWD_PREFIX on Linux) and not with PAM;
 *   `*` is no lock to sshd at all.
 * A refused account that logs in nowhere is no finding; one that still logs in is, whatever its password field says.
 */
import { expect, it } from 'vitest';
import type { FleetHostSpec } from '../fleet/fleet.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const today = Math.floor(Date.now() / 86_400_000);

const BASELINE = {
  id: 'refused',
  title: '登录账号',
  checks: [{ id: 'a.declared', title: 'declared', severity: 'critical', type: 'accounts', params: { uid0_allowed: ['root'], allow_accounts: ['opsgate'] }, rationale: 'r', remediation: 'm' }],
};

/** name → [uid, what is planted]. */
const PLANTED: Record<string, [number, Partial<FleetHostSpec['accounts'] extends Array<infer A> | undefined ? A : never>]> = {
  'x-past': [3001, { aging: { lastChange: 20000, maxDays: 99999, expireDay: today - 1 } }],
  'x-today': [3002, { aging: { lastChange: 20000, maxDays: 99999, expireDay: today } }],
  'x-inact': [3003, { password: 'set', aging: { lastChange: today - 30, maxDays: 10, inactiveDays: 5 } }],
  'x-bang': [3004, { password: 'bang-locked' }],
  'x-star': [3005, { password: 'locked' }],
  'x-future': [3006, { aging: { lastChange: 20000, maxDays: 99999, expireDay: today + 30 } }],
};
/** Who sshd lets in with a key, by UsePAM. */
const LOGS_IN = {
  'r-nopam': ['x-today', 'x-inact', 'x-star', 'x-future'],
  'r-pam': ['x-bang', 'x-star', 'x-future'],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'refused',
  baseline: BASELINE,
  keys: ['mallory'],
  fleet: ({ mallory }) => {
    const accounts = Object.entries(PLANTED).map(([name, [uid, extra]]) => ({ name, uid, shell: '/bin/bash', keys: [mallory.publicKey], ...extra }));
    return {
      hosts: [
        { id: 'r-nopam', accounts },
        { id: 'r-pam', accounts, sshd: { extra: ['UsePAM yes'] } },
      ],
    };
  },
});

async function logsIn(host: string, user: string): Promise<boolean> {
  try {
    return (await execOnFleetHost(suite.fleet, host, ['id', '-un'], { user, keyPath: suite.keys.mallory.privatePath })).stdout === `${user}\n`;
  } catch {
    return false;
  }
}

MACHINE.describe('accounts sshd refuses, on real hosts', () => {
  it.each(Object.keys(LOGS_IN) as Array<keyof typeof LOGS_IN>)('%s: sshd lets in exactly the expected accounts, and inspection counts exactly those', async (host) => {
    const measured: string[] = [];
    for (const name of Object.keys(PLANTED)) if (await logsIn(host, name)) measured.push(name);
    expect(measured).toEqual(LOGS_IN[host]);
    const r = findRow(suite.rows, host, 'a.declared');
    expect(r.status).toBe('fail');
    const named = Object.keys(PLANTED).filter((n) => r.reason.includes(`${n} (uid`));
    expect(named).toEqual(LOGS_IN[host]);
    for (const n of Object.keys(PLANTED)) expect(r.observed.includes(`${n}(`), `${host} ${n}`).toBe(LOGS_IN[host].includes(n));
  });
});
