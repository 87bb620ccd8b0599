/** One test host and the drift or fault planted on it. */
export interface FleetHostSpec {
  id: string;
  groups?: string[];
  env?: 'prod' | 'staging' | 'test' | 'dev';
  criticality?: 'low' | 'medium' | 'high' | 'critical';
  sshd?: { permitRootLogin?: string; extra?: string[] };
  /** login.defs keys overriding the clean values (PASS_MAX_DAYS 90, …). */
  loginDefs?: Record<string, string>;
  /** Accounts besides the login user; a uid of 0 plants a second root. */
  accounts?: Array<{ name: string; uid: number; shell?: string; keys?: string[] }>;
  /** Extra sudoers.d lines. */
  sudoers?: string[];
  /** Set at runtime inside the host's network namespace (net.* only), after the persisted values were applied. */
  sysctlRuntime?: Record<string, string>;
  /** Persisted values overriding the clean ones. */
  sysctlPersisted?: Record<string, string>;
  /** Extra TCP ports something listens on (0.0.0.0). */
  listen?: number[];
  /** Modes of the host's own /etc files, e.g. {'/etc/passwd': '0666'}. */
  fileModes?: Record<string, string>;
  /** A 4 MiB tmpfs at /mnt filled to this percentage. */
  diskFillPercent?: number;
  /** A real restic repository with snapshots taken at these times (ISO). */
  restic?: { policy: string; snapshotTimes: string[] };
  /** The login user gets no sudo rule: the probe runs unprivileged. */
  noSudo?: boolean;
  fault?: 'down' | 'changed-host-key' | 'refused-key' | 'hang' | 'garbage';
}
