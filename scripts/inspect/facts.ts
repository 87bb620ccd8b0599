/** Typed facts about one host, each either a value or the reason it could not be gathered. Pure types. */
export type Fact<T> = { ok: true; value: T; command: string } | { ok: false; reason: string; command: string };

export interface ListeningSocket { proto: 'tcp' | 'udp'; address: string; port: number }
export interface Account { name: string; uid: number; gid: number; home: string; shell: string }
export interface GroupEntry { name: string; gid: number; members: string[] }
export interface ShadowEntry { name: string; state: 'set' | 'locked' | 'empty'; lastChange?: number; minDays?: number; maxDays?: number; warnDays?: number; inactiveDays?: number; expireDay?: number }
export interface AuthorizedKey { account: string; file: string; line: number; type: string; fingerprint: string; comment: string; options: string }
export interface SudoRule { file: string; line: number; who: string; runas: string; nopasswd: boolean; commands: string[] }
export interface SudoersFacts { rules: SudoRule[]; unparsed: Array<{ file: string; line: number; text: string }> }
export interface PackageEntry { name: string; version: string; installed: boolean }
export interface FileMeta { path: string; exists: boolean; mode?: number; owner?: string; group?: string; kind?: string }
export interface DiskEntry { filesystem: string; type: string; mount: string; sizeKb: number; usedKb: number; usedPercent: number }
export interface MemoryFacts { totalKb: number; availableKb: number; usedPercent: number; swapTotalKb: number; swapFreeKb: number }
export interface LoadFacts { load1: number; load5: number; load15: number; cpus: number }
export interface PersistedSysctl { value: string; file: string; line: number }
export interface ResticSnapshot { id: string; time: string; host: string; paths: string[]; tags: string[] }

export interface HostFacts {
  host: string;
  identity: Fact<{ uid: number; hostname: string }>;
  osRelease: Fact<Record<string, string>>;
  sshd: Fact<Record<string, string[]>>;
  listen: Fact<ListeningSocket[]>;
  loginDefs: Fact<Record<string, string>>;
  passwd: Fact<Account[]>;
  group: Fact<GroupEntry[]>;
  shadow: Fact<ShadowEntry[]>;
  authorizedKeys: Fact<AuthorizedKey[]>;
  sudoers: Fact<SudoersFacts>;
  packages: Fact<Map<string, PackageEntry>>;
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
