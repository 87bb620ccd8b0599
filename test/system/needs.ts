/**
 * What the tests need from the machine, and the Debian package that provides it.
 * One table for three readers: `npm test`'s pretest (install or name what is
 * missing), the suites that skip or fail when a need is unmet (test/helpers/needs.ts),
 * and .ci/run's apt-get list (a test holds it complete).
 *
 * `decidePretest` is pure; `probeNeeds` is the edge that looks at the machine.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** A thing a suite needs that a Debian package provides. */
export type PackageNeed =
  | 'sshd'
  | 'ssh-client'
  | 'nc'
  | 'ip'
  | 'unshare'
  | 'restic'
  | 'chromium'
  | 'poppler'
  | 'sudo'
  | 'git'
  | 'procps'
  | 'acl'
  | 'cjk-fonts'
  | 'cron'
  | 'systemd'
  | 'rpm'
  | 'iptables'
  | 'nftables'
  | 'extrausers';
/** Needs no package can meet: root, and the right to create network and mount namespaces. */
export type MachineNeed = 'root' | 'namespaces';
export type Need = PackageNeed | MachineNeed;

interface PackageSpec {
  /** The Debian package that provides it. */
  package: string;
  /** Executables looked up on PATH (plus /usr/sbin and /sbin), or absolute paths; all must exist. */
  files: string[];
  /** Why the tests need it, for the skip reason. */
  for: string;
}

export const PACKAGES: Record<PackageNeed, PackageSpec> = {
  sshd: { package: 'openssh-server', files: ['/usr/sbin/sshd'], for: 'the test fleet runs real sshd hosts' },
  'ssh-client': { package: 'openssh-client', files: ['ssh-keygen', 'ssh-agent', 'ssh-add'], for: 'fleet keys and the ssh-agent test' },
  nc: { package: 'netcat-openbsd', files: ['nc.openbsd'], for: "fleet hosts are reached through 'ip netns exec NS nc' and listen on planted ports" },
  ip: { package: 'iproute2', files: ['ip', 'ss'], for: 'one network namespace per fleet host' },
  unshare: { package: 'util-linux', files: ['unshare', 'flock'], for: 'one mount namespace per fleet host; host locks' },
  restic: { package: 'restic', files: ['restic'], for: 'real restic repositories on fleet hosts' },
  chromium: { package: 'chromium', files: ['/usr/bin/chromium'], for: 'reports are rendered and printed in real headless Chromium' },
  poppler: { package: 'poppler-utils', files: ['pdfinfo', 'pdftotext'], for: 'the printed report is read back with pdfinfo and pdftotext' },
  sudo: { package: 'sudo', files: ['sudo', 'visudo'], for: 'fleet logins use sudo; converge checks sudoers with visudo' },
  git: { package: 'git', files: ['git'], for: 'temporary git repositories' },
  procps: { package: 'procps', files: ['sysctl'], for: 'fleet hosts get their own sysctl values' },
  acl: { package: 'acl', files: ['getfacl', 'setfacl'], for: 'file checks read POSIX ACLs; the fleet plants ACL drift' },
  cron: { package: 'cron', files: ['cron'], for: 'converge backup installs cron entries where systemd is not PID 1 (the fleet) and reports hosts without a cron daemon' },
  systemd: { package: 'systemd', files: ['systemd-analyze'], for: "converge backup's units and calendars are judged by systemd-analyze verify and calendar (no systemd as PID 1 needed)" },
  rpm: { package: 'rpm', files: ['rpm', 'rpmbuild'], for: "package_version compares with rpm's own rpm.vercmp on hosts without dpkg (a real rpm database is built for the test)" },
  iptables: {
    package: 'iptables',
    files: ['iptables-nft', 'iptables-legacy', 'iptables-nft-save', 'iptables-legacy-save'],
    for: 'the protected-set guard snapshots and restores live firewall rules (both backends); lock-out tests load rules in fleet hosts',
  },
  nftables: { package: 'nftables', files: ['nft'], for: 'the protected-set guard snapshots and restores the live nf_tables ruleset' },
  extrausers: { package: 'libnss-extrausers', files: ['/usr/lib/libnss_extrausers.so.2'], for: 'inspection reads accounts and groups a real extrausers NSS source adds' },
  'cjk-fonts': { package: 'fonts-noto-cjk', files: ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'], for: 'the zh-CN report prints with CJK glyphs' },
};

/** Named sets the suites ask for. */
export const NEEDS = {
  /** sshd hosts on loopback ports as the current user: connection-level behaviour only. */
  fleetLoopback: ['sshd', 'ssh-client', 'git'],
  /** The real fleet: one namespace per host, drift planted per host, writes confined to each host's own files. */
  fleetNamespaces: ['root', 'namespaces', 'sshd', 'ssh-client', 'nc', 'ip', 'unshare', 'sudo', 'procps', 'acl', 'restic', 'git'],
  chromium: ['chromium', 'poppler', 'cjk-fonts'],
  /** converge backup on the fleet: its hosts are cron hosts, so they need a cron daemon installed. */
  /** Live firewall rules in a host's own network namespace (the protected-set guard, lock-out tests). */
  firewall: ['root', 'namespaces', 'sshd', 'ssh-client', 'nc', 'ip', 'unshare', 'sudo', 'procps', 'acl', 'restic', 'git', 'iptables', 'nftables'],
  backupConverge: ['root', 'namespaces', 'sshd', 'ssh-client', 'nc', 'ip', 'unshare', 'sudo', 'procps', 'restic', 'git', 'cron'],
} satisfies Record<string, Need[]>;

export const ALL_PACKAGE_NEEDS = Object.keys(PACKAGES) as PackageNeed[];

/** What the machine offers, as probed. */
export interface MachineState {
  uid: number;
  /** `apt-get` is on PATH. */
  aptGet: boolean;
  /** Network and mount namespaces can be created (root, and not a restricted container). */
  namespaces: boolean;
  /** Package needs that are not met. */
  missing: PackageNeed[];
}

export type PretestDecision = { action: 'run'; notes: string[] } | { action: 'install'; commands: string[][]; packages: string[] } | { action: 'stop'; line: string };

export function packagesFor(needs: readonly PackageNeed[]): string[] {
  return [...new Set(needs.map((n) => PACKAGES[n].package))].sort();
}

/**
 * What `npm test` does before the tests, given the machine. Pure.
 * - nothing missing: run (saying which suites will skip for want of root);
 * - root with apt-get, not yet tried: install (apt-get update first);
 * - otherwise stop with one line naming each missing thing and the install command,
 *   unless `allowSkip` (OPSGATE_ALLOW_SKIP=1), which runs and lets the suites skip, saying why.
 */
export function decidePretest(m: MachineState, opts: { allowSkip: boolean; installTried: boolean }): PretestDecision {
  const notes: string[] = [];
  if (m.uid !== 0) notes.push('not root: the fleet suites that need network namespaces (apply, converge, inspect drift) will skip, each saying why');
  else if (!m.namespaces) notes.push('root, but namespaces cannot be created here (a restricted container?): the fleet suites that need them will skip, each saying why');
  if (m.missing.length === 0) return { action: 'run', notes };
  const packages = packagesFor(m.missing);
  if (m.uid === 0 && m.aptGet && !opts.installTried) {
    return {
      action: 'install',
      packages,
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', '--no-install-recommends', ...packages],
      ],
    };
  }
  const what = m.missing.map((n) => `${n} (${PACKAGES[n].package})`).join(', ');
  const install = `${m.uid === 0 ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
  if (opts.allowSkip) return { action: 'run', notes: [...notes, `missing ${what}: the suites that need them will skip, each saying why`] };
  const tried = opts.installTried ? ' (apt-get could not install them)' : '';
  return { action: 'stop', line: `opsgate tests: missing ${what}${tried}; install with: ${install} — or run OPSGATE_ALLOW_SKIP=1 npm test to skip what needs them` };
}

/** Edge: whether a file or an executable on PATH exists. */
function present(file: string, env: NodeJS.ProcessEnv): boolean {
  if (path.isAbsolute(file)) return existsSync(file);
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(path.join(d, file), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let cachedNamespaces: boolean | undefined;
/** Edge: can this process create network and mount namespaces? Tried, not assumed. */
export function canCreateNamespaces(uid: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (uid !== 0 || !present('unshare', env)) return false;
  if (cachedNamespaces === undefined) {
    try {
      execFileSync('unshare', ['--net', '--mount', 'true'], { stdio: 'ignore', timeout: 10_000 });
      cachedNamespaces = true;
    } catch {
      cachedNamespaces = false;
    }
  }
  return cachedNamespaces;
}

/** Edge: the package needs that are not met on this machine. */
export function missingPackageNeeds(needs: readonly PackageNeed[] = ALL_PACKAGE_NEEDS, env: NodeJS.ProcessEnv = process.env): PackageNeed[] {
  return needs.filter((n) => !PACKAGES[n].files.every((f) => present(f, env)));
}

/** Edge: the machine as the pretest sees it. */
export function probeMachine(env: NodeJS.ProcessEnv = process.env): MachineState {
  const uid = process.getuid?.() ?? -1;
  return { uid, aptGet: present('apt-get', env), namespaces: canCreateNamespaces(uid, env), missing: missingPackageNeeds(ALL_PACKAGE_NEEDS, env) };
}
