import type { Account, HostFacts, ShadowEntry } from './facts.ts';
import { accountStackRefuses } from './parse-pam.ts';

/**
 * Whether sshd refuses an account before any key or password is tried, the way OpenSSH 9 decides it on Linux. Pure.
 *
 * - UsePAM no (auth.c allowed_user, auth-shadow.c): the account's expiry day has passed (today > expire), or its
 *   password field (shadow's, else passwd's) starts with `!` (LOCKED_PASSWD_PREFIX on Linux; `*` is no lock to sshd).
 *   The password's own age and inactivity are not looked at for a key.
 * - UsePAM yes: sshd's PAM account stack decides; pam_unix answers acct_expired from the expiry day (today >= expire,
 *   one day earlier than sshd's own test) and authtok_expired once the password is past its inactivity period
 *   (today - lastchange > max + inactive, max and inactive set, lastchange neither 0 nor in the future). The host's
 *   stack is played (parse-pam.ts) to see whether that answer refuses; a `!` does not: PAM never reads the field for a
 *   key.
 * - UsePAM unknown (sshd -T not readable): refused only when both ways refuse.
 * Measured on real hosts in test/inspect/inspect-sshd-refused-accounts.test.ts. `today` is days since 1970 (UTC), as
 * both count it.
 */
export function sshdRefusal(a: Pick<Account, 'name' | 'password'>, s: ShadowEntry | undefined, usePam: 'yes' | 'no' | undefined, pam: HostFacts['pam'], today: number): string | undefined {
  const noPam = refusedWithoutPam(a, s, today);
  const withPam = refusedByPam(s, pam, today);
  if (usePam === 'no') return noPam;
  if (usePam === 'yes') return withPam;
  return noPam && withPam ? `${withPam} (with or without UsePAM)` : undefined;
}

const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
const set = (n: number | undefined): n is number => n !== undefined && n !== -1;

function refusedWithoutPam(a: Pick<Account, 'password'>, s: ShadowEntry | undefined, today: number): string | undefined {
  if (s && set(s.expireDay) && today > s.expireDay) return `account expired on ${day(s.expireDay)} (sshd refuses it, UsePAM no)`;
  const bang = s ? s.lock === '!' : (a.password ?? '').startsWith('!');
  if (bang) return 'password field locked with ! (sshd refuses a locked account when UsePAM is no, even for a key)';
  return undefined;
}

function refusedByPam(s: ShadowEntry | undefined, pam: HostFacts['pam'], today: number): string | undefined {
  if (!s || !pam?.ok) return undefined;
  if (set(s.expireDay) && today >= s.expireDay && accountStackRefuses(pam.value, 'acct_expired')) return `account expired on ${day(s.expireDay)} (sshd's PAM account stack refuses it)`;
  const { lastChange: l, maxDays: max, inactiveDays: inact } = s;
  if (l === undefined || l <= 0 || today < l || !set(max) || !set(inact)) return undefined;
  if (today - l > max && today - l > inact && today - l > max + inact && accountStackRefuses(pam.value, 'authtok_expired'))
    return `password inactive since ${day(l + max + inact)} (sshd's PAM account stack refuses it)`;
  return undefined;
}

/** The account's refusal on this host, from the facts inspection gathered; undefined when sshd would let it try. */
export function refusalOf(a: Pick<Account, 'name' | 'password'>, f: HostFacts, now: Date): string | undefined {
  if (!f.shadow.ok) return undefined;
  const s = f.shadow.value.find((x) => x.name === a.name);
  const v = f.sshd.ok ? f.sshd.value.usepam?.[0]?.toLowerCase() : undefined;
  const usePam = v === 'yes' || v === 'no' ? v : undefined;
  return sshdRefusal(a, s, usePam, f.pam, Math.floor(now.getTime() / 86_400_000));
}
