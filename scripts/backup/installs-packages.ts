/**
 * Whether a run step's argv installs or upgrades packages (the steps that need a
 * fresh backup first, 升级补丁前备份重要数据). Recognises the package managers'
 * own verbs behind the usual wrappers (sudo, env VAR=…, nice, timeout N, nohup).
 * A repository script cannot be read this way: its steps are not judged. Pure.
 */

const WRAPPERS = new Set(['sudo', 'env', 'nice', 'ionice', 'nohup', 'timeout', 'stdbuf', 'chrt', 'systemd-run']);
const VERBS: Record<string, ReadonlySet<string>> = {
  'apt-get': new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'reinstall']),
  apt: new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'reinstall']),
  aptitude: new Set(['install', 'upgrade', 'safe-upgrade', 'full-upgrade', 'reinstall']),
  yum: new Set(['install', 'update', 'upgrade', 'reinstall', 'downgrade', 'distro-sync', 'localinstall', 'update-minimal', 'upgrade-minimal']),
  dnf: new Set(['install', 'update', 'upgrade', 'reinstall', 'downgrade', 'distro-sync', 'upgrade-minimal']),
  microdnf: new Set(['install', 'update', 'upgrade', 'reinstall']),
  zypper: new Set(['in', 'install', 'up', 'update', 'dup', 'dist-upgrade', 'patch']),
};

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The argv without leading wrappers and their own options (`sudo -u x`, `env A=1`, `timeout 60`). */
function unwrap(argv: readonly string[]): string[] {
  let i = 0;
  while (i < argv.length && WRAPPERS.has(base(argv[i]!))) {
    i++;
    while (i < argv.length && (argv[i]!.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!) || /^\d+[smhd]?$/.test(argv[i]!))) i++;
  }
  return argv.slice(i);
}

/** `apt-get install …` → 'apt-get install'; a command that changes no package → undefined. */
export function packageInstall(argv: readonly string[]): string | undefined {
  const a = unwrap(argv);
  const prog = a[0] ? base(a[0]) : '';
  if (prog === 'unattended-upgrade' || prog === 'unattended-upgrades') return prog;
  if (prog === 'dpkg') return a.slice(1).some((x) => x === '--install' || x === '--unpack' || /^-[a-zA-Z]*i[a-zA-Z]*$/.test(x)) ? 'dpkg --install' : undefined;
  if (prog === 'rpm') {
    const short = a.slice(1).filter((x) => /^-[a-zA-Z]+$/.test(x));
    if (short.some((x) => x.includes('q')) || a.includes('--query')) return undefined;
    return a.slice(1).some((x) => ['--install', '--upgrade', '--freshen', '--reinstall'].includes(x)) || short.some((x) => /[iUF]/.test(x)) ? 'rpm --install/--upgrade' : undefined;
  }
  // Own keys only: a program named after an Object.prototype member (`toString`) has no verbs.
  const verbs = Object.hasOwn(VERBS, prog) ? VERBS[prog] : undefined;
  // The verb is the first operand; an option's separate value (apt-get -o X=Y install) is skipped by looking at every operand.
  const verb = verbs && a.slice(1).find((x) => verbs.has(x));
  return verb ? `${prog} ${verb}` : undefined;
}
