/**
 * Shell lines for tests that run the protected-set guard as root on this machine (in a mount namespace of their own,
 * /var/lib already a tmpfs): every file and directory of the guard's protected set is replaced by a private copy, so
 * a restore — by a timer that fires, or one that races a check — writes and deletes copies, never the machine's /etc.
 */
const DIRS = ['/etc/ssh', '/etc/pam.d', '/etc/security', '/etc/sudoers.d', '/etc/nftables.d', '/etc/iptables', '/etc/ufw', '/etc/firewalld', '/etc/sysconfig', '/root/.ssh'];
const FILES = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/gshadow',
  '/etc/nsswitch.conf',
  '/etc/sudoers',
  '/etc/pam.conf',
  '/etc/nftables.conf',
  '/etc/default/ssh',
  '/etc/hosts.allow',
  '/etc/hosts.deny',
  '/etc/nologin',
];

export const PRIVATE_ETC = [
  'mkdir -p /var/lib/og-etc',
  `for d in ${DIRS.join(' ')}; do [ ! -d "$d" ] || { mkdir -p "/var/lib/og-etc$d" && cp -a "$d/." "/var/lib/og-etc$d/" && mount --bind "/var/lib/og-etc$d" "$d"; } || exit 97; done`,
  `for f in ${FILES.join(' ')}; do [ ! -f "$f" ] || { mkdir -p "/var/lib/og-etc%{f%/*}" && cp -p "$f" "/var/lib/og-etc$f" && mount --bind "/var/lib/og-etc$f" "$f"; } || exit 97; done`,
]
  .join('\n')
  .replaceAll('%{', '${');
