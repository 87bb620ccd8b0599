/**
 * sshd's refusal of an account before any key is tried (scripts/inspect/login-refusal.ts) and the PAM stack player it
 * asks (scripts/inspect/parse-pam.ts), over plain values. The behaviour itself was measured on real hosts:
 * test/inspect/inspect-sshd-refused-accounts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { factOk, type ShadowEntry } from '../../scripts/inspect/facts.ts';
import { sshdRefusal } from '../../scripts/inspect/login-refusal.ts';
import { accountStackRefuses, pamStack, runStack, type PamFacts } from '../../scripts/inspect/parse-pam.ts';

const DEBIAN_ACCOUNT = ['account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so', 'account requisite pam_deny.so', 'account required pam_permit.so'].join('\n');
const pamOf = (sshd: string, extra: Record<string, string> = {}): PamFacts => ({
  service: '/etc/pam.d/sshd',
  files: new Map([['/etc/pam.d/sshd', sshd], ...Object.entries(extra).map(([k, v]) => [`/etc/pam.d/${k}`, v] as [string, string])]),
});
const DEBIAN = pamOf('account required pam_nologin.so\n@include common-account\n', { 'common-account': DEBIAN_ACCOUNT });
const TODAY = 20_400;
const sh = (e: Partial<ShadowEntry>): ShadowEntry => ({ name: 'x', state: 'set', lastChange: 20_000, maxDays: 99_999, ...e });

describe('sshdRefusal', () => {
  it.each([
    ['expired yesterday, UsePAM no', sh({ expireDay: TODAY - 1 }), 'no', true],
    ['expires today, UsePAM no (sshd: today > expire)', sh({ expireDay: TODAY }), 'no', false],
    ['expires today, UsePAM yes (pam_unix: today >= expire)', sh({ expireDay: TODAY }), 'yes', true],
    ['expires tomorrow, UsePAM yes', sh({ expireDay: TODAY + 1 }), 'yes', false],
    ['no expiry (-1)', sh({ expireDay: -1 }), 'yes', false],
    ['! lock, UsePAM no', sh({ state: 'locked', lock: '!' }), 'no', true],
    ['! lock, UsePAM yes (PAM never reads it for a key)', sh({ state: 'locked', lock: '!' }), 'yes', false],
    ['* lock, UsePAM no (no lock to sshd)', sh({ state: 'locked', lock: '*' }), 'no', false],
    ['inactive past its period, UsePAM yes', sh({ lastChange: TODAY - 30, maxDays: 10, inactiveDays: 5 }), 'yes', true],
    ['inactive past its period, UsePAM no (not looked at for a key)', sh({ lastChange: TODAY - 30, maxDays: 10, inactiveDays: 5 }), 'no', false],
    ['inactive within its period, UsePAM yes (a forced change, not a refusal)', sh({ lastChange: TODAY - 12, maxDays: 10, inactiveDays: 5 }), 'yes', false],
    ['lastchange 0 (change forced at next login), UsePAM yes', sh({ lastChange: 0, maxDays: 10, inactiveDays: 5 }), 'yes', false],
    ['no inactivity period, UsePAM yes', sh({ lastChange: TODAY - 300, maxDays: 10 }), 'yes', false],
    ['UsePAM unknown: expired on both counts', sh({ expireDay: TODAY - 1 }), undefined, true],
    ['UsePAM unknown: expiring today refuses only with PAM', sh({ expireDay: TODAY }), undefined, false],
    ['UsePAM unknown: ! refuses only without PAM', sh({ state: 'locked', lock: '!' }), undefined, false],
  ] as const)('%s', (_name, shadow, usePam, refused) => {
    expect(sshdRefusal({ name: 'x', password: 'x' }, shadow, usePam, factOk(DEBIAN, 'cat'), TODAY) !== undefined).toBe(refused);
  });

  it('with PAM, an expired account logs in when the account stack never asks pam_unix', () => {
    const permissive = pamOf('account required pam_permit.so\n');
    expect(sshdRefusal({ name: 'x', password: 'x' }, sh({ expireDay: TODAY - 1 }), 'yes', factOk(permissive, 'cat'), TODAY)).toBeUndefined();
  });

  it('with PAM and no readable stack, nothing is taken as refused', () => {
    expect(sshdRefusal({ name: 'x', password: 'x' }, sh({ expireDay: TODAY - 1 }), 'yes', { ok: false, reason: 'r', command: 'c' }, TODAY)).toBeUndefined();
  });

  it('without a shadow entry, passwd’s own ! field is what sshd reads', () => {
    expect(sshdRefusal({ name: 'x', password: '!hash' }, undefined, 'no', undefined, TODAY)).toMatch(/locked with !/);
  });
});

describe('runStack', () => {
  it.each([
    ['Debian common-account, pam_unix fails', DEBIAN, 'acct_expired', true],
    ['Debian common-account, pam_unix asks for a new password', DEBIAN, 'new_authtok_reqd', false],
    ['pam_unix optional', pamOf('account optional pam_unix.so\naccount required pam_permit.so\n'), 'acct_expired', false],
    ['pam_unix required', pamOf('account required pam_unix.so\n'), 'acct_expired', true],
    ['pam_unix sufficient before pam_permit', pamOf('account sufficient pam_unix.so\naccount required pam_permit.so\n'), 'acct_expired', false],
    ['a jump over pam_unix', pamOf('account [default=1] pam_permit.so\naccount required pam_unix.so\naccount required pam_permit.so\n'), 'acct_expired', false],
    ['pam_unix through a substack', pamOf('account substack common-account\n', { 'common-account': DEBIAN_ACCOUNT }), 'acct_expired', true],
    // pam_succeed_if fails for some accounts (uid < 1000 here) and then skips pam_unix: those get in expired or not.
    ['a module that may skip pam_unix for some accounts', pamOf(`account [default=2 success=ignore] pam_succeed_if.so uid >= 1000\n${DEBIAN_ACCOUNT}\n`), 'acct_expired', false],
    ['a sufficient module before pam_unix', pamOf(`account sufficient pam_localuser.so\n${DEBIAN_ACCOUNT}\n`), 'acct_expired', false],
    ['a required module before pam_unix (pam_nologin) changes nothing', pamOf(`account required pam_nologin.so\n${DEBIAN_ACCOUNT}\n`), 'acct_expired', true],
    ['a stack that lets no one in is no refusal of this account', pamOf('account required pam_deny.so\naccount required pam_unix.so\n'), 'acct_expired', false],
  ] as const)('%s', (_name, pam, code, refuses) => {
    expect(accountStackRefuses(pam, code)).toBe(refuses);
  });

  it('a stack nothing decides fails, as libpam does', () => {
    expect(runStack(pamStack(pamOf('account optional pam_unix.so\n'), 'account'), () => 'success')).toBe('allow');
    expect(runStack(pamStack(pamOf('account optional pam_unix.so\n'), 'account'), () => 'perm_denied')).toBe('deny');
    expect(runStack([], () => 'success')).toBe('deny');
  });
});
