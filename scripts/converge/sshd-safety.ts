/**
 * sshd settings opsgate itself could not survive, found before anything is
 * changed (ARCHITECTURE.md, "Never lock ourselves out"): an algorithm list
 * the SSH client library (ssh2) cannot negotiate, root login refused when the
 * inventory logs in as root, public-key authentication switched off, fewer
 * sessions than a run needs (a lock channel and a step channel), forwarding
 * switched off on a host others are reached through. Commit-confirmation is
 * the net for what this cannot foresee. Pure.
 */
import { CLIENT_ALGORITHMS } from '../ssh/client-algorithms.ts';

export interface SshdHostFacts {
  /** The inventory login user. */
  user: string;
  /** Other inventory hosts reach this one's neighbours through it (it is their jump_host). */
  isJumpHost: boolean;
  /** Host key types pinned in the inventory. */
  hostKeyTypes: readonly string[];
}

/** OpenSSH 9.2's defaults, for `-list` (remove from the default set). */
const OPENSSH_DEFAULTS: Record<string, string[]> = {
  kexalgorithms: [
    'sntrup761x25519-sha512@openssh.com',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  ciphers: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
  macs: [
    'umac-64-etm@openssh.com',
    'umac-128-etm@openssh.com',
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'umac-64@openssh.com',
    'umac-128@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  hostkeyalgorithms: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  pubkeyacceptedalgorithms: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
};
const ALIASES: Record<string, string> = { pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms', hostkeyalgorithms: 'hostkeyalgorithms' };
const CLIENT: Record<string, readonly string[]> = {
  kexalgorithms: CLIENT_ALGORITHMS.kex,
  ciphers: CLIENT_ALGORITHMS.cipher,
  macs: CLIENT_ALGORITHMS.mac,
  hostkeyalgorithms: CLIENT_ALGORITHMS.serverHostKey,
  pubkeyacceptedalgorithms: CLIENT_ALGORITHMS.serverHostKey,
};
const HOST_KEY_ALGS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
};

/** The algorithms sshd would offer for a list setting (`+`, `-`, `^` prefixes as OpenSSH reads them; wildcards matched). */
function effectiveList(keyword: string, value: string): string[] {
  const items = value
    .slice(/^[+\-^]/.test(value) ? 1 : 0)
    .split(',')
    .filter(Boolean);
  const defaults = OPENSSH_DEFAULTS[keyword] ?? [];
  const match = (pattern: string, name: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^$()|[\]\\{}]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(name);
  if (value.startsWith('+') || value.startsWith('^')) return [...defaults, ...items];
  if (value.startsWith('-')) return defaults.filter((d) => !items.some((p) => match(p, d)));
  return items;
}

/** Why this setting would cut opsgate off the host, or undefined. `keyword` as `sshd -T` prints it (lower case). */
export function sshdSettingProblem(keywordIn: string, value: string, host: SshdHostFacts): string | undefined {
  const keyword = ALIASES[keywordIn.toLowerCase()] ?? keywordIn.toLowerCase();
  const v = value.trim();
  if (CLIENT[keyword]) {
    const offered = effectiveList(keyword, v);
    const wanted = keyword === 'hostkeyalgorithms' ? host.hostKeyTypes.flatMap((t) => HOST_KEY_ALGS[t] ?? []) : CLIENT[keyword]!;
    const common = offered.filter((a) => wanted.includes(a) && CLIENT[keyword]!.includes(a));
    if (common.length === 0) {
      return keyword === 'hostkeyalgorithms'
        ? `${keywordIn} ${v} offers no algorithm for the host keys pinned in the inventory (${host.hostKeyTypes.join(', ')})`
        : `${keywordIn} ${v} leaves no algorithm opsgate's SSH client (ssh2) can negotiate; it speaks ${CLIENT[keyword]!.slice(0, 4).join(', ')}…`;
    }
    return undefined;
  }
  const lower = v.toLowerCase();
  if (keyword === 'permitrootlogin' && host.user === 'root' && (lower === 'no' || lower === 'forced-commands-only')) return `PermitRootLogin ${v} refuses the login user root that the inventory names`;
  if (keyword === 'pubkeyauthentication' && lower === 'no') return 'PubkeyAuthentication no refuses the key opsgate logs in with';
  if (keyword === 'maxsessions' && Number(v) < 2) return `MaxSessions ${v}: a run needs two sessions on one connection (the host lock and a step)`;
  if (keyword === 'maxauthtries' && Number(v) < 1) return `MaxAuthTries ${v} refuses every login`;
  if (keyword === 'logingracetime' && Number(v) > 0 && Number(v) < 10) return `LoginGraceTime ${v} is too short to log in reliably on a loaded host`;
  if (keyword === 'maxstartups' && Number(v.split(':')[0]) < 2) return `MaxStartups ${v} leaves no room for the fresh connection that confirms a change`;
  if (keyword === 'allowtcpforwarding' && host.isJumpHost && (lower === 'no' || lower === 'remote')) return `AllowTcpForwarding ${v} on a jump host cuts off the hosts reached through it`;
  return undefined;
}
