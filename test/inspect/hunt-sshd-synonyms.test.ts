/**
 * sshd settings whose value sshd -T prints under another name: `PermitRootLogin prohibit-password` is printed
 * `without-password`, `AllowTcpForwarding all` and `Compression delayed` are printed `yes`. Planted on real hosts (the
 * printed value confirmed with sshd -T): a baseline naming either spelling judges the setting, not its spelling. Before,
 * `not_in: [prohibit-password]` passed a host with exactly that, and `in: [no, prohibit-password]` failed it.
 */
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const check = (id: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type: 'sshd_option', params, rationale: 'r', remediation: 'm' });
const BASELINE = {
  id: 'huntsyn',
  title: 'sshd',
  checks: [
    check('s.root-in', { option: 'permitrootlogin', in: ['no', 'prohibit-password'] }),
    check('s.root-not', { option: 'permitrootlogin', not_in: ['yes', 'prohibit-password'] }),
    check('s.root-eq', { option: 'permitrootlogin', equals: 'prohibit-password' }),
    check('s.fwd-not', { option: 'allowtcpforwarding', not_in: ['all'] }),
    check('s.comp-not', { option: 'compression', not_in: ['delayed'] }),
  ],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntsyn',
  baseline: BASELINE,
  fleet: () => ({
    hosts: [
      { id: 's-prohibit', sshd: { permitRootLogin: 'prohibit-password', extra: ['AllowTcpForwarding all', 'Compression delayed'] } },
      { id: 's-without', sshd: { permitRootLogin: 'without-password', extra: ['AllowTcpForwarding no', 'Compression no'] } },
    ],
  }),
});

const EXPECTED: Record<string, Record<string, string>> = {
  's-prohibit': { 's.root-in': 'pass', 's.root-not': 'fail', 's.root-eq': 'pass', 's.fwd-not': 'fail', 's.comp-not': 'fail' },
  's-without': { 's.root-in': 'pass', 's.root-not': 'fail', 's.root-eq': 'pass', 's.fwd-not': 'pass', 's.comp-not': 'pass' },
};

MACHINE.describe('sshd values sshd -T spells differently, on real hosts', () => {
  it.each(Object.keys(EXPECTED))('%s: each row judges the setting, whichever spelling the baseline uses', async (host) => {
    const t = await execOnFleetHost(suite.fleet, host, ['sh', '-c', 'sudo -n sshd -T -f /etc/ssh/sshd_config | grep -E "^(permitrootlogin|allowtcpforwarding|compression) "']);
    expect(t.stdout).toContain('permitrootlogin without-password\n');
    const got = Object.fromEntries(BASELINE.checks.map((c) => [c.id, findRow(suite.rows, host, c.id).status]));
    expect(got).toEqual(EXPECTED[host]);
  });
});
