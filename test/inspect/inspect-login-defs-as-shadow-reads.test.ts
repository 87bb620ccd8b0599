/**
 * login.defs as shadow's own reader (getdef) reads it, planted on real hosts: a quoted value (`PASS_MAX_DAYS "90"`) is 90
 * to useradd and chage (the quotes are dropped), and failed as `"90"` before (a false fail); a value with a trailing
 * comment (`PASS_MAX_DAYS 90 # policy`) cannot be parsed by shadow, which then sets no maximum at all: that must fail.
 * Confirmed with shadow itself: useradd --prefix on a copy of the host's login.defs, and the shadow line it writes.
 */
import { expect, it } from 'vitest';
import type { StartFleetOptions } from '../fleet/fleet.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const check = (id: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'medium', type: 'login_defs', params, rationale: 'r', remediation: 'm' });
const BASELINE = { id: 'defs', title: 'login.defs', checks: [check('d.max', { key: 'PASS_MAX_DAYS', max: 90 }), check('d.umask', { key: 'UMASK', in: ['027', '077'] })] };

/** The shadow line useradd writes for a new account, with the host's own login.defs, in a scratch prefix. */
const SHADOW_SAYS = [
  'sudo',
  '-n',
  'sh',
  '-c',
  'd=$(mktemp -d) && mkdir $d/etc && cp /etc/login.defs $d/etc/ && echo root:x:0:0::/root:/bin/sh > $d/etc/passwd && echo root:x:0: > $d/etc/group && echo "root:*:1:0:::::" > $d/etc/shadow && : > $d/etc/gshadow && useradd --prefix $d -M probe 2>/dev/null; grep ^probe: $d/etc/shadow | cut -d: -f5; rm -rf $d',
];

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'defs',
  baseline: BASELINE,
  fleet: (): StartFleetOptions => ({
    hosts: [
      { id: 'd-quoted', loginDefs: { PASS_MAX_DAYS: '"90"', UMASK: '"027"' } },
      { id: 'd-comment', loginDefs: { PASS_MAX_DAYS: '90 # policy' } },
    ],
  }),
});

MACHINE.describe('login.defs as shadow reads it, on real hosts', () => {
  it('a quoted value is the value: useradd gives new accounts a maximum of 90, and login.defs passes', async () => {
    expect((await execOnFleetHost(suite.fleet, 'd-quoted', SHADOW_SAYS)).stdout).toBe('90\n');
    expect(findRow(suite.rows, 'd-quoted', 'd.max')).toMatchObject({ status: 'pass', observed: 'PASS_MAX_DAYS 90' });
    // login.defs' own part is read as 027; the row still fails, for the session: these hosts run sshd with UsePAM no, so
    // an SSH session keeps sshd's 0022 (test/inspect/inspect-session-umask.test.ts).
    const umask = findRow(suite.rows, 'd-quoted', 'd.umask');
    expect(umask.observed.startsWith('UMASK 027 (login.defs); ')).toBe(true);
    expect(umask).toMatchObject({ status: 'fail', reason: expect.stringMatching(/^an SSH session gets umask 0022, not one of 027, 077 \(UsePAM no/) as unknown });
    expect(umask.reason).not.toContain('/etc/login.defs');
  });

  it('a trailing comment makes the value unreadable to shadow: no maximum at all, and the row fails saying so', async () => {
    expect((await execOnFleetHost(suite.fleet, 'd-comment', SHADOW_SAYS)).stdout).toBe('\n');
    expect(findRow(suite.rows, 'd-comment', 'd.max')).toMatchObject({
      status: 'fail',
      reason: "PASS_MAX_DAYS is '90 # policy' in /etc/login.defs, which shadow cannot read as a number (it uses its default instead)",
    });
  });
});
