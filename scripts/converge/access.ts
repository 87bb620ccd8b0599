/**
 * Access policy for one host, rendered from people, roles and grants. Pure.
 * Per unix account: the exact authorized_keys (active people, unexpired grants
 * and keys; anything not declared is removed). Per role with a grant on the
 * host: one sudoers file.
 */
import { fingerprintOf } from '../ssh/host-key.ts';
import { grantsOnHost, keyValid } from '../access/entitlement.ts';
import type { GrantDocument, HostDocument, PersonDocument, RoleDocument } from '../model/documents.generated.ts';

export interface AccessInputs {
  people: readonly PersonDocument[];
  roles: readonly RoleDocument[];
  grants: readonly GrantDocument[];
  /** The calendar's zone, in which a grant's `granted_on` day starts (default UTC). */
  timezone?: string;
}

export interface AccountKeys {
  account: string;
  keys: Array<{ person: string; grant: string; fingerprint: string; line: string }>;
  /** The exact authorized_keys content. */
  content: string;
}

export interface SudoersFile {
  role: string;
  /** File name inside /etc/sudoers.d (no dot: sudo would skip it). */
  name: string;
  content: string;
}

export interface AccessPolicy {
  host: string;
  accounts: AccountKeys[];
  sudoers: SudoersFile[];
  /** Declared keys left out and why (expired, fingerprint mismatch, …), for the plan and records. */
  excluded: Array<{ person: string; grant?: string; reason: string }>;
  problems: string[];
}

export const SUDOERS_PREFIX = 'opsgate-role-';

/** `type base64` of a public key line, its fingerprint, or an error. */
export function keyBlobOf(line: string): { type: string; b64: string; fingerprint: string } | undefined {
  const parts = line.trim().split(/\s+/);
  for (let i = 0; i + 1 < parts.length; i++) {
    const type = parts[i]!;
    const b64 = parts[i + 1]!;
    if (!/^(ssh-|ecdsa-|sk-|rsa-)/.test(type) || !/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    return { type, b64, fingerprint: fingerprintOf(Buffer.from(b64, 'base64')) };
  }
  return undefined;
}

/** Sudoers escapes `,` `:` `=` and `\` in command arguments. */
function escapeSudoers(text: string): string {
  return text.replace(/[\\,:=]/g, (c) => `\\${c}`);
}

export function renderAccessPolicy(host: { id: string; data: Pick<HostDocument, 'groups'> }, inputs: AccessInputs, now: Date): AccessPolicy {
  const excluded: AccessPolicy['excluded'] = [];
  const problems: string[] = [];
  const accounts = new Map<string, AccountKeys['keys']>();
  for (const r of inputs.roles) if (!accounts.has(r.unix_account)) accounts.set(r.unix_account, []);
  const rolesWithGrant = new Set<string>();
  const clock = { now, ...(inputs.timezone ? { timezone: inputs.timezone } : {}) };

  // Who is entitled to what, when, is decided once, in scripts/access/entitlement.ts.
  for (const { grant: g, role, person, inactive } of grantsOnHost({ id: host.id, groups: host.data.groups }, inputs, clock)) {
    if (!role || !person) {
      problems.push(`grant ${g.id}: ${inactive}`);
      continue;
    }
    if (inactive) {
      excluded.push({ person: g.person, grant: g.id, reason: inactive });
      continue;
    }
    rolesWithGrant.add(role.id);
    const list = accounts.get(role.unix_account)!;
    for (const k of person.ssh_keys ?? []) {
      if (!keyValid(k, clock)) {
        excluded.push({ person: person.id, grant: g.id, reason: `key ${k.fingerprint} expired ${k.expires}` });
        continue;
      }
      const blob = keyBlobOf(k.public_key);
      if (!blob) {
        problems.push(`person ${person.id}: a public key is not '<type> <base64>'`);
        continue;
      }
      if (blob.fingerprint !== k.fingerprint) {
        excluded.push({ person: person.id, grant: g.id, reason: `key fingerprint is ${blob.fingerprint}, the document pins ${k.fingerprint}` });
        continue;
      }
      if (list.some((x) => x.fingerprint === blob.fingerprint)) continue;
      // The comment names the person, so a key on a host is traceable to its document.
      list.push({ person: person.id, grant: g.id, fingerprint: blob.fingerprint, line: `${blob.type} ${blob.b64} opsgate:${person.id}` });
    }
  }

  const sudoers: SudoersFile[] = [];
  for (const role of [...inputs.roles].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!rolesWithGrant.has(role.id) || !role.sudo?.length) continue;
    const lines = [`# Managed by opsgate from policies/access/roles/${role.id}.yaml (${role.title.replace(/[\r\n]/g, ' ')}). Local edits are overwritten.`];
    for (const rule of role.sudo) {
      const bad = rule.commands.find((c) => /[\r\n\0]/.test(c));
      if (bad !== undefined) {
        problems.push(`role ${role.id}: a sudo command contains a line break`);
        continue;
      }
      const cmds = rule.commands.map((c) => (c === 'ALL' ? 'ALL' : escapeSudoers(c))).join(', ');
      lines.push(`${role.unix_account} ALL=(${rule.runas ?? 'root'}) ${rule.nopasswd ? 'NOPASSWD: ' : ''}${cmds}`);
    }
    sudoers.push({ role: role.id, name: `${SUDOERS_PREFIX}${role.id}`, content: lines.join('\n') + '\n' });
  }

  return {
    host: host.id,
    accounts: [...accounts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([account, keys]) => ({ account, keys, content: keys.map((k) => k.line + '\n').join('') })),
    sudoers,
    excluded,
    problems,
  };
}
