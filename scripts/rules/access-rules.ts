import { createHash } from 'node:crypto';
import { grantState } from '../access/entitlement.ts';
import { calendarZone } from '../calendar/zone.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { at, type RuleInput } from './rule-context.ts';

/** SHA256 fingerprint of an OpenSSH public key line, as `ssh-keygen -lf` prints it. Pure. */
export function fingerprintOf(publicKey: string): string | undefined {
  const b64 = publicKey.trim().split(/\s+/)[1];
  if (!b64) return undefined;
  const blob = Buffer.from(b64, 'base64');
  if (blob.length === 0) return undefined;
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Access rules: people who left hold no active grant; grants have a scope; keys match their pinned fingerprints; no role manages a login account. Pure. */
export function checkAccess({ repo, now }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const clock = { now, timezone: calendarZone(repo) };
  for (const g of repo.all('grant')) {
    const d = g.data;
    if (!d.groups?.length && !d.hosts?.length) out.push(at(g, '', 'grant.no-scope', 'the grant names neither groups nor hosts', 'add groups: [...] or hosts: [...]'));
    const person = repo.get('person', d.person);
    // Not expired: active now or starting later (scripts/access/entitlement.ts decides which).
    const state = grantState(d, clock);
    const active = state !== 'expired';
    if (person && person.data.status === 'left' && active) {
      out.push(
        at(
          g,
          '/person',
          'access.left-with-grant',
          `${person.data.name} (${d.person}) left on ${person.data.left_on ?? '?'} but this grant is ${state === 'pending' ? `due to start on ${d.granted_on} and run` : 'active'} until ${d.expires}`,
          `set expires to ${person.data.left_on ?? 'the leaving date'} or earlier, or delete the grant, then run opsgate converge access`,
        ),
      );
    }
    if (person && person.data.status === 'suspended' && active) {
      out.push(at(g, '/person', 'access.suspended-with-grant', `${d.person} is suspended but this grant is active`, 'let the grant expire now, or reinstate the person', 'warning'));
    }
    if (d.person === d.approved_by) out.push(at(g, '/approved_by', 'access.self-approved', `${d.person} approved their own grant`, 'a grant must be approved by someone else'));
  }
  // converge access writes the exact authorized_keys of every role's account on every host it runs on: a role
  // whose account is a host's login user would take the key opsgate logs in with away (converge refuses it too).
  const logins = new Map<string, string[]>();
  for (const h of repo.all('host')) {
    // push, not a copy per host: one login user on every host made this quadratic.
    const list = logins.get(h.data.user);
    if (list) list.push(h.id);
    else logins.set(h.data.user, [h.id]);
  }
  for (const r of repo.all('role')) {
    const hosts = logins.get(r.data.unix_account);
    if (hosts)
      out.push(
        at(
          r,
          '/unix_account',
          'access.manages-login-account',
          `converge access would manage ~${r.data.unix_account}/.ssh/authorized_keys, the account opsgate logs in with on ${hosts.slice(0, 5).join(', ')}${hosts.length > 5 ? ` and ${hosts.length - 5} more` : ''}: the next connection would be refused`,
          "give the role its own unix_account; the login account's keys are managed outside converge",
        ),
      );
  }
  for (const p of repo.all('person')) {
    p.data.ssh_keys?.forEach((k, i) => {
      const fp = fingerprintOf(k.public_key);
      if (fp !== k.fingerprint)
        out.push(
          at(
            p,
            `/ssh_keys/${i}/fingerprint`,
            'access.fingerprint-mismatch',
            `pinned fingerprint ${k.fingerprint} does not match the public key (${fp ?? 'unreadable key'})`,
            'recompute with `ssh-keygen -lf key.pub` and pin that value',
          ),
        );
    });
  }
  return out;
}
