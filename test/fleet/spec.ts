/** One test host and the drift or fault planted on it. */
export interface FleetHostSpec {
  id: string;
  groups?: string[];
  env?: 'prod' | 'staging' | 'test' | 'dev';
  criticality?: 'low' | 'medium' | 'high' | 'critical';
  /** `extra` lines go first (sshd takes the first value); `match` lines go last (Match blocks end the file). */
  sshd?: {
    permitRootLogin?: string;
    extra?: string[];
    match?: string[];
    /** `-o` options on the daemon's command line (they override its files), e.g. 'PermitRootLogin=yes'. */
    daemonOptions?: string[];
    /** The daemon reads its own file through -f; /etc/ssh/sshd_config keeps a clean copy it never reads. */
    configElsewhere?: boolean;
  };
  /** login.defs keys overriding the clean values (PASS_MAX_DAYS 90, …). */
  loginDefs?: Record<string, string>;
  /** Accounts besides the login user; a uid of 0 plants a second root. */
  accounts?: Array<{
    name: string;
    uid: number;
    shell?: string;
    keys?: string[];
    /** Supplementary groups (existing system groups such as sudo, docker). */
    groups?: string[];
    /** Primary group by name (default: the account's own group). */
    primaryGroup?: string;
    /** Password field: locked (default, `*`), empty, a set hash with aging, or a hash locked with `!` (`passwd -l`). */
    password?: 'locked' | 'empty' | 'set' | 'bang-locked';
    /** Shadow aging: last change (days since 1970), maximum days, inactivity days and the account's expiry day. */
    aging?: { lastChange: number; maxDays?: number; inactiveDays?: number; expireDay?: number };
    /** Extra files under the home directory (relative path → content), owned by the account. */
    homeFiles?: Record<string, string>;
  }>;
  /** Files written on the host's own tmpfs at /mnt before sshd starts: content, or a copy of a machine binary. */
  mntFiles?: Record<string, { content?: string; copyOf?: string; mode?: string }>;
  /**
   * Directories the host has of its own at absolute paths (e.g. '/etc/nginx'): absolute dir → files (relative path →
   * content), bind-mounted from the host's directory. The mount point is created on the machine if it is missing (empty).
   */
  dirs?: Record<string, Record<string, string>>;
  /** Extra sudoers.d lines. */
  sudoers?: string[];
  /** Files under /etc/sudoers.d by name (a name with a '.' or ending in '~' is skipped by sudo); subdirectories allowed. */
  sudoersFiles?: Record<string, string>;
  /** Lines appended to /etc/sudoers itself (includes, Defaults, aliases). */
  sudoersMain?: string[];
  /** POSIX ACL entries set on the host's own /etc files, e.g. {'/etc/shadow': 'user:nobody:r'}. */
  acls?: Record<string, string>;
  /** Set at runtime inside the host's network namespace (net.* only), after the persisted values were applied. */
  sysctlRuntime?: Record<string, string>;
  /** Persisted values overriding the clean ones. */
  sysctlPersisted?: Record<string, string>;
  /** Extra TCP ports something listens on (0.0.0.0). */
  listen?: number[];
  /** Named TCP listeners: a copy of nc called `name` on 127.0.0.1:`port`; `stopped`: SIGSTOPped once it listens (a hung service whose socket still accepts). */
  services?: Array<{ name: string; port: number; stopped?: boolean }>;
  /**
   * Single files of the host's own at absolute paths (e.g. '/etc/logrotate.conf' → content), bind-mounted. A missing
   * mount point is created empty on the machine (as `dirs` creates missing directories).
   */
  files?: Record<string, string>;
  /** Modes of the host's own /etc files, e.g. {'/etc/passwd': '0666'}. */
  fileModes?: Record<string, string>;
  /** A 4 MiB tmpfs at /mnt filled to this percentage. */
  diskFillPercent?: number;
  /** The /mnt tmpfs has only this many inodes (nr_inodes); `fill`: empty files are made in it until none is left. */
  mntInodes?: { count: number; fill?: boolean };
  /**
   * opsgate's state directory on the host (/var/lib/opsgate) is a tmpfs of this many KiB instead of the host's own
   * directory on the machine's disk, so that a test can fill it (a full disk) without filling the machine's.
   */
  stateDiskKb?: number;
  /**
   * A real restic repository with snapshots taken at these times (ISO), tagged with the policy id.
   * `shared`: hosts naming the same key share one repository; `foreign`: snapshots another
   * hostname took into it.
   */
  restic?: { policy: string; snapshotTimes: string[]; shared?: string; foreign?: Array<{ host: string; time: string }> };
  /**
   * The inventory logs in as this account instead of `opsgate` (which stays, with its sudo rule). The client key is
   * authorized for it and its home is the host's own `/home/<name>`, even for uid 0 (never the machine's /root), so
   * `{ name: 'toor', uid: 0 }` is a root login under another name. A uid-0 login needs `sshd.permitRootLogin`.
   */
  login?: { name: string; uid: number };
  /** The login user gets no sudo rule: the probe runs unprivileged. */
  noSudo?: boolean;
  fault?: 'down' | 'changed-host-key' | 'refused-key' | 'hang' | 'garbage';
  /** `systemd`: systemd boots as the host's PID 1 (test/fleet/systemd-host.ts) and runs sshd as a unit; default: sshd alone, no init. */
  init?: 'systemd';
  /** On a systemd host: unit files of its own in /etc/systemd/system (name → content), enabled and started after boot as listed. */
  systemd?: { units?: Record<string, string>; enable?: string[]; start?: string[] };
}
