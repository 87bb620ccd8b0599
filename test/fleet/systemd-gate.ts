/**
 * `requireSystemdHost(needs)`: the suites of a file that boots systemd hosts run only when the machine's needs are met
 * and systemd can be PID 1 in a namespace here (test/fleet/systemd-host.ts systemdHostBlocker). Like requireMachine, a
 * skip says why (the skip reporter prints it in CI's summary), and under OPSGATE_REQUIRE_ALL=1 it fails instead.
 */
import { describe, it } from 'vitest';
import { requireMachine, type MachineGate } from '../helpers/needs.ts';
import type { Need } from '../system/needs.ts';
import { systemdHostBlocker } from './systemd-host.ts';

export function requireSystemdHost(needs: readonly Need[]): MachineGate {
  const gate = requireMachine([...needs, 'systemd']);
  if (!gate.runs) return gate;
  const blocked = systemdHostBlocker();
  if (!blocked) return gate;
  const why = `systemd cannot be PID 1 of a test host here: ${blocked}`;
  return {
    runs: false,
    why,
    describe: (name, fn) => {
      if (process.env.OPSGATE_REQUIRE_ALL === '1')
        describe(name, () =>
          // eslint-disable-next-line vitest/expect-expect -- a test that exists to fail, naming what is missing
          it('runs on this machine (OPSGATE_REQUIRE_ALL=1)', () => {
            throw new Error(`would skip: ${why}`);
          }),
        );
      else describe(name, { skip: true, meta: { skipReason: why } }, fn);
    },
  };
}
