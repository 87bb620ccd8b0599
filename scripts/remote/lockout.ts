/**
 * Which remote files can cut opsgate off a host when they change: sshd
 * configuration, keys, options and unit, PAM, accounts and name service, sudo
 * rules, the firewall, nologin files, and authorized_keys files. Uploads to them are commit-confirmed
 * (commit-confirm.ts). Pure.
 */
import { posix } from 'node:path';
import type { ReloadKind } from './commit-confirm.ts';

const SENSITIVE: Array<{ pattern: RegExp; reload: ReloadKind[] }> = [
  { pattern: /^\/etc\/ssh\//, reload: ['sshd'] },
  { pattern: /^\/etc\/(pam\.conf|pam\.d\/|security\/)/, reload: [] },
  { pattern: /^\/etc\/(passwd|shadow|group|gshadow|nsswitch\.conf)$/, reload: [] },
  { pattern: /^\/etc\/(sudoers|sudoers\.d\/)/, reload: [] },
  { pattern: /^\/etc\/(nftables\.conf|nftables\.d\/|iptables\/|ufw\/|firewalld\/|hosts\.(allow|deny))/, reload: [] },
  { pattern: /\/\.ssh\/authorized_keys2?$/, reload: [] },
  // sshd refuses every login but root's while a nologin file exists.
  { pattern: /^\/(etc|run|var\/run)\/nologin$/, reload: [] },
  // sshd's own options and unit, read when it restarts.
  { pattern: /^\/etc\/(default\/ssh|sysconfig\/sshd)$/, reload: [] },
  { pattern: /^\/(etc|lib|usr\/lib)\/systemd\/system\/sshd?(@\.service|\.service|\.socket)(\.d\/.*)?$/, reload: [] },
  { pattern: /^\/etc\/sysconfig\/(iptables|ip6tables|nftables\.conf)$/, reload: [] },
];

/** Matched on the path the kernel would open: `.`, `..` and repeated slashes resolved (`/tmp/../etc/ssh/x` is `/etc/ssh/x`). */
export function lockoutSensitive(path: string): { reload: ReloadKind[] } | undefined {
  const norm = posix.normalize(path);
  return SENSITIVE.find((s) => s.pattern.test(norm));
}
