/**
 * sudo grants written the ways a naive read misses, planted on real hosts (sudo -l -U confirms each grants eve root):
 * aliases for user, runas and commands, a %group held through an /etc/group member list, a rule continued over lines,
 * `Defaults:ALIAS !authenticate`, a negated command beside ALL, a runas group. eve holds no grant: every row fails naming her.
 */
import { expect, it } from 'vitest';
import type { StartFleetOptions } from '../fleet/fleet.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow, fleetSudoersCheck } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'huntsudo',
  title: 'sudo',
  checks: [fleetSudoersCheck('v.sudo')],
};

const PLANTED: Record<string, { sudoersFiles: Record<string, string>; groups?: string[] }> = {
  'u-alias': { sudoersFiles: { ops: 'User_Alias OPS = eve\nRunas_Alias RA = root\nCmnd_Alias EVERYTHING = ALL\nOPS ALL = (RA) NOPASSWD: EVERYTHING\n' } },
  'u-group': { sudoersFiles: { adm: '%adm ALL=(ALL) NOPASSWD: ALL\n' }, groups: ['adm'] },
  'u-cont': { sudoersFiles: { cont: 'eve ALL=(ALL) \\\n    NOPASSWD: ALL\n' } },
  'u-defaults': { sudoersFiles: { defs: 'User_Alias OPS = eve\nDefaults:OPS !authenticate\nOPS ALL=(ALL) ALL\n' } },
  'u-negated': { sudoersFiles: { neg: 'eve ALL=(ALL) NOPASSWD: ALL, !/bin/su\n' } },
  'u-runas-group': { sudoersFiles: { grp: 'eve ALL=(:root) NOPASSWD: ALL\n' } },
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntsudo',
  baseline: BASELINE,
  fleet: (): StartFleetOptions => ({
    hosts: Object.entries(PLANTED).map(([id, p]) => ({
      id,
      sudoersFiles: p.sudoersFiles,
      accounts: [{ name: 'eve', uid: 1005, shell: '/bin/bash', ...(p.groups ? { groups: p.groups } : {}) }],
    })),
  }),
});

MACHINE.describe('sudo grants, on real hosts', () => {
  it.each(Object.keys(PLANTED))('%s: sudo grants eve, and the row fails naming her', async (host) => {
    const t = await execOnFleetHost(suite.fleet, host, ['sh', '-c', 'sudo -n sudo -l -U eve 2>&1']);
    expect(t.stdout).toMatch(/may run the following commands/);
    const r = findRow(suite.rows, host, 'v.sudo');
    expect(r.status, r.reason).toBe('fail');
    expect(r.reason).toMatch(/eve/);
  });
});
