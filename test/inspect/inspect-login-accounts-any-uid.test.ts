/**
 * A login account is one whose shell can start a session, whatever its uid: planted on real hosts with accounts outside
 * 1000–59999 that anyone holding their key logs in to (uid 60001, and uid 500 in the system range, each with /bin/bash
 * and a key). The uid range used to exempt them, so an undeclared account that logs in passed (a false pass); an auditor
 * counts every account that can log in (CIS: system accounts must not have a login shell).
 */
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'anyuid',
  title: '登录账号',
  checks: [{ id: 'a.declared', title: 'declared', severity: 'critical', type: 'accounts', params: { uid0_allowed: ['root'], allow_accounts: ['opsgate'] }, rationale: 'r', remediation: 'm' }],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'anyuid',
  baseline: BASELINE,
  keys: ['mallory'],
  fleet: ({ mallory }) => ({
    hosts: [
      { id: 'u-high', accounts: [{ name: 'svc-hi', uid: 60001, shell: '/bin/bash', keys: [mallory.publicKey] }] },
      { id: 'u-sys', accounts: [{ name: 'sysbash', uid: 500, shell: '/bin/bash', keys: [mallory.publicKey] }] },
      // The same uids with nologin: not login accounts, and the row passes.
      {
        id: 'u-nologin',
        accounts: [
          { name: 'svc-hi', uid: 60001, shell: '/usr/sbin/nologin' },
          { name: 'sysd', uid: 500, shell: '/usr/sbin/nologin' },
        ],
      },
    ],
  }),
});

MACHINE.describe('login accounts whatever their uid, on real hosts', () => {
  it.each([
    ['u-high', 'svc-hi', 60001],
    ['u-sys', 'sysbash', 500],
  ])('%s: %s (uid %d) logs in with its key, and the row fails naming it', async (host, name, uid) => {
    const as = { user: name, keyPath: suite.keys.mallory.privatePath };
    expect(await execOnFleetHost(suite.fleet, host, ['id', '-u'], as)).toEqual({ code: 0, stdout: `${uid}\n` });
    expect((await execOnFleetHost(suite.fleet, host, ['getent', 'passwd', name])).stdout).toBe(`${name}:x:${uid}:${uid}::/home/${name}:/bin/bash\n`);
    const r = findRow(suite.rows, host, 'a.declared');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe(`${name} (uid ${uid}) is not declared by any current grant`);
    expect(r.observed).toContain(`${name}(${uid})`);
  });

  it('the same uids with nologin are no login accounts: the row passes', async () => {
    expect((await execOnFleetHost(suite.fleet, 'u-nologin', ['getent', 'passwd', 'svc-hi'])).stdout).toMatch(/:\/usr\/sbin\/nologin\n$/);
    expect(findRow(suite.rows, 'u-nologin', 'a.declared')).toMatchObject({ status: 'pass', reason: '' });
  });
});
