/** Who decides that every step on a host is a root step: the host's own uid of the login; the inventory can only add. */
import { describe, expect, it } from 'vitest';
import { loginIsRoot, needsGuard } from '../../scripts/remote/step-guard.ts';

const unmarked = { sudo: false, kind: 'run', argv: ['sh', '-c', "sed -i '1i AllowUsers nobody' /etc/ssh/sshd_config"] };

describe('loginIsRoot', () => {
  it.each([
    // host uid, inventory says root, guarded
    [0, false, true], // toor, or `user: ops` whose account is uid 0
    [0, true, true],
    [1990, true, true], // the inventory adds the guard; the host cannot take it away
    [1990, false, false],
    [undefined, true, true], // the host did not say: the inventory stands alone
    [undefined, false, false],
  ] as const)('host uid %s, inventory root %s -> %s', (uid, inventory, expected) => {
    expect(loginIsRoot(uid, inventory)).toBe(expected);
    expect(needsGuard(unmarked, undefined, loginIsRoot(uid, inventory))).toBe(expected ? 'root' : undefined);
  });
});
