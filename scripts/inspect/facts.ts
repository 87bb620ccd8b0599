import type { UnitFacts } from './probe-service-active.ts';
import type { PamFacts } from './parse-pam.ts';
import type { ShellFacts } from './parse-accounts.ts';
import type { SshdContext, SshdRuntime } from './parse-sshd.ts';
import type { SudoersFacts, SudoListing } from './parse-sudo.ts';
import type { PendingUpdates, RebootFacts, VersionFacts } from './parse-patch.ts';
import type { NtpFacts } from './parse-ntp.ts';
import type { LogRetentionFacts } from './parse-log-retention.ts';
import type { ListenProcsFacts } from './parse-listen-procs.ts';

export type { ShellFacts, SshdContext, SshdRuntime, SudoersFacts, SudoListing };
/** Typed facts about one host, each either a value or the reason it could not be gathered. Pure types. */
export type Fact<T> = { ok: true; value: T; command: string } | { ok: false; reason: string; command: string };

export interface ListeningSocket {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
}
/** `password` is the passwd field (usually 'x': the hash is in shadow; '' means no password at all). */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  password?: string;
  /** The GECOS field, when not empty (pam_umask reads `umask=` from it). */
  gecos?: string;
}
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  /** Where a membership comes from when not from an /etc/group line (NSS: userdb, extrausers). */
  source?: string;
}
export interface ShadowEntry {
  name: string;
  state: 'set' | 'locked' | 'empty';
  lastChange?: number;
  minDays?: number;
  maxDays?: number;
  warnDays?: number;
  inactiveDays?: number;
  expireDay?: number;
  /** The first character of a locked field (`!` as passwd -l writes it, `*`); absent when unlocked or not gathered. */
  lock?: '!' | '*';
}
export interface AuthorizedKey {
  account: string;
  file: string;
  line: number;
  type: string;
  fingerprint: string;
  comment: string;
  options: string;
}
/**
 * What sshd checks before it reads a keys file, gathered when the probe runs as root (empty otherwise: every file counts).
 * `real`: the real path of each keys file and home; `stat`: mode and owner of each real path and every directory above it;
 * `unreadable`: `account\tpath` of each file the account itself cannot read (sshd opens it with the account's privileges).
 */
export interface KeyFileAccess {
  real: Map<string, string>;
  stat: Map<string, { mode: number; uid: number; gid: number }>;
  unreadable: Set<string>;
}
export interface PackageEntry {
  name: string;
  version: string;
  installed: boolean;
}
export interface FileAcl {
  tag: 'user' | 'group' | 'mask' | 'other';
  qualifier: string;
  perms: string;
}
/** `acl`: extended entries ([] when none); 'unreadable' when the host has no getfacl but ls shows an ACL. */
export interface FileMeta {
  path: string;
  exists: boolean;
  mode?: number;
  owner?: string;
  group?: string;
  kind?: string;
  acl?: FileAcl[] | 'unreadable';
  /** The path is a symbolic link: mode, owner, group and ACL above are its target's. */
  link?: FileLink;
}
/** Where a link resolves, whether that exists, and the directories on the way anyone but root can write (path and why). */
export interface FileLink {
  target: string;
  exists: boolean;
  unsafe: string[];
}
export interface DiskEntry {
  filesystem: string;
  type: string;
  mount: string;
  sizeKb: number;
  usedKb: number;
  usedPercent: number;
  /** Inodes used, as df -i rounds it; absent where the file system keeps no inode counts. */
  inodesUsedPercent?: number;
}
export interface MemoryFacts {
  totalKb: number;
  availableKb: number;
  usedPercent: number;
  swapTotalKb: number;
  swapFreeKb: number;
}
export interface LoadFacts {
  load1: number;
  load5: number;
  load15: number;
  cpus: number;
}
export interface PersistedSysctl {
  value: string;
  file: string;
  line: number;
  /** Set in a file the boot does not read (why): the value is not applied at boot. */
  unread?: string;
}
export interface ResticSnapshot {
  id: string;
  time: string;
  host: string;
  paths: string[];
  tags: string[];
}

export interface HostFacts {
  host: string;
  identity: Fact<{ uid: number; hostname: string }>;
  osRelease: Fact<Record<string, string>>;
  sshd: Fact<Record<string, string[]>>;
  /** `sshd -T -C` per login account and address, when the configuration has Match blocks ([] otherwise). */
  sshdContexts: Fact<SshdContext[]>;
  /** Config files with mtimes and the daemon's start time (reload pending?). */
  sshdRuntime: Fact<SshdRuntime>;
  listen: Fact<ListeningSocket[]>;
  /** PID 1, and systemd's unit files and loaded units (service_active). */
  units?: Fact<UnitFacts>;
  loginDefs: Fact<Record<string, string>>;
  passwd: Fact<Account[]>;
  group: Fact<GroupEntry[]>;
  shadow: Fact<ShadowEntry[]>;
  shells: Fact<ShellFacts>;
  /** sshd's PAM stacks and the umask the probe's SSH session started with (scripts/inspect/parse-pam.ts). */
  pam?: Fact<PamFacts>;
  authorizedKeys: Fact<AuthorizedKey[]>;
  /** The AuthorizedKeysFile tokens the keys were read from (global view). */
  authorizedKeyFiles: Fact<{ tokens: string; files: string[]; access?: KeyFileAccess }>;
  sudoers: Fact<SudoersFacts>;
  /** `sudo -l -U` of every login account. */
  sudoList: Fact<SudoListing[]>;
  packages: Fact<Map<string, PackageEntry>>;
  /** The package manager's simulated upgrade (apt-get -s dist-upgrade; dnf updateinfo --security). */
  updates?: Fact<PendingUpdates>;
  /** reboot-required marker, running and installed kernels. */
  reboot?: Fact<RebootFacts>;
  /** What chronyc, ntpq and timedatectl say, and the kernel's clock state (ntp_sync). */
  ntp?: Fact<NtpFacts>;
  /** journald's effective settings and usage, logrotate's rules (log_retention). */
  logRetention?: Fact<LogRetentionFacts>;
  /** TCP listeners with their processes, and a connection to each checked port (listening_service). */
  listenProcs?: Fact<ListenProcsFacts>;
  /** package_version minimums compared with the installed versions by the host's own comparator (dpkg --compare-versions …). */
  versions?: Fact<VersionFacts>;
  files: Fact<Map<string, FileMeta>>;
  sysctlRunning: Fact<Map<string, string | null>>;
  sysctlPersisted: Fact<Map<string, PersistedSysctl>>;
  disk: Fact<DiskEntry[]>;
  memory: Fact<MemoryFacts>;
  load: Fact<LoadFacts>;
  /** Per backup policy id. */
  restic: Map<string, Fact<ResticSnapshot[]>>;
}

export function factOk<T>(value: T, command: string): Fact<T> {
  return { ok: true, value, command };
}

export function factError<T>(reason: string, command: string): Fact<T> {
  return { ok: false, reason, command };
}
