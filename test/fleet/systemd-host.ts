/**
 * A fleet host with systemd as PID 1 (`init: 'systemd'`): the host's own pid,
 * mount, UTS, cgroup and network namespaces, where /lib/systemd/systemd boots
 * a minimal target that starts only sshd (as a unit) and a readiness unit.
 *
 * Isolation, because PID 1 owns whatever it sees (a systemd booted on a shared
 * /tmp once let systemd-tmpfiles wipe every session's /tmp):
 * - private tmpfs on /tmp, /var/tmp, /run, /var/lib/systemd, /var/log and /dev
 *   (device nodes made by hand, a new devpts instance, /dev/console a file of
 *   the host's directory, so PID 1 never writes the machine's console or kmsg);
 * - /sys and /proc/sys read-only; the host's own cgroup2 tree, a child of
 *   <cgroup2 mount>/opsgate-fleet, seen as / through a cgroup namespace;
 * - /etc/systemd/system is the host's own directory, where every unit the
 *   distribution ships is masked except targets and slices, and the generator
 *   directory is hidden: nothing of sysinit (tmpfiles, udev, journald, sysctl,
 *   binfmt, random-seed), getty, logind, networkd or timesyncd can run;
 * - `container=opsgate-fleet`, so systemd takes the container paths (no console
 *   setup, no kernel modules, no / propagation change).
 *
 * Stopped by PID: SIGKILL to the host's PID 1 ends its whole pid namespace; the
 * launcher (unshare) exits once every process in it is gone; then the cgroup
 * tree is removed. A fleet whose process was SIGKILLed is reaped by the next.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, watch } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { quoteArgv } from '../../scripts/ssh/quote.ts';
import type { FleetHostSpec } from './spec.ts';
import { signalChildGroup, signalSameProcess, startTimeOf } from '../helpers/process-group.ts';

const run = promisify(execFile);
export const SYSTEMD_BIN = '/lib/systemd/systemd';
const DISTRO_UNITS = ['/lib/systemd/system', '/usr/local/lib/systemd/system'];
/** The units the harness adds; no opsgate-backup- prefix, so converge never takes them for its own. */
export const FLEET_TARGET = 'og-fleet.target';
export const FLEET_SSHD = 'og-fleet-sshd.service';
const FLEET_READY = 'og-fleet-ready.service';
const CGROUP_PARENT = 'opsgate-fleet';

/** The cgroup2 mount point of this machine (hybrid: /sys/fs/cgroup/unified), or undefined. */
export function cgroup2Mount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [pre, post] = line.split(' - ');
      if (post?.split(' ')[0] === 'cgroup2') return pre!.split(' ')[4];
    }
  } catch {
    /* no /proc */
  }
  return undefined;
}

/** Why a systemd host cannot boot on this machine, or undefined. Probed, not assumed. */
export function systemdHostBlocker(): string | undefined {
  const why: string[] = [];
  if (!existsSync(SYSTEMD_BIN)) why.push(`${SYSTEMD_BIN} is missing (Debian package systemd)`);
  if (!cgroup2Mount()) why.push('no cgroup2 hierarchy is mounted (systemd as PID 1 needs a cgroup tree of its own: mount cgroup2, e.g. hybrid /sys/fs/cgroup/unified)');
  if (!['nsenter', 'unshare'].every((b) => ['/usr/bin', '/bin', '/usr/sbin'].some((d) => existsSync(path.join(d, b))))) why.push('nsenter/unshare missing (util-linux)');
  return why.length ? why.join('; ') : undefined;
}

/** Unit names the distribution ships that the host masks: everything but targets and slices. */
export function unitsToMask(dirs: readonly string[] = DISTRO_UNITS): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (n.endsWith('.target') || n.endsWith('.slice') || !/\.(service|socket|timer|path|mount|automount|swap|device|scope)$/.test(n)) continue;
      try {
        if (statSync(path.join(d, n)).isDirectory()) continue;
      } catch {
        /* a dangling link: mask it too */
      }
      out.add(n);
    }
  }
  return [...out].sort();
}

/** Writes the host's /etc/systemd/system: masks, the boot target, sshd and readiness units, the spec's own units. */
export async function writeSystemdUnits(hdir: string, spec: FleetHostSpec, sshdConfig: string): Promise<void> {
  if (!/^[\w./-]+$/.test(hdir)) throw new Error(`systemd host directory ${hdir} has characters a unit line would need quoted`);
  const dir = path.join(hdir, 'systemd-system');
  await mkdir(dir, { recursive: true });
  const own = spec.systemd?.units ?? {};
  for (const n of unitsToMask()) if (!(n in own)) await symlink('/dev/null', path.join(dir, n));
  await writeFile(
    path.join(dir, FLEET_TARGET),
    ['[Unit]', `Description=opsgate test fleet host ${spec.id}`, 'Requires=basic.target', 'After=basic.target', `Wants=${FLEET_SSHD} ${FLEET_READY}`, 'AllowIsolate=yes', ''].join('\n'),
  );
  await writeFile(
    path.join(dir, FLEET_SSHD),
    [
      '[Unit]',
      `Description=sshd of test host ${spec.id}`,
      '[Service]',
      'Type=notify',
      `ExecStart=/usr/sbin/sshd -D -e -f ${sshdConfig}${(spec.sshd?.daemonOptions ?? []).map((o) => ` -o ${JSON.stringify(o)}`).join('')}`,
      `StandardError=append:${path.join(hdir, 'sshd.log')}`,
      'RuntimeDirectory=sshd',
      'RuntimeDirectoryMode=0755',
      'KillMode=process',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(hdir, 'ready.sh'), `s=$(systemctl is-active ${FLEET_SSHD})\nprintf '%s\\n' "$s" > ${hdir}/ready.tmp && mv ${hdir}/ready.tmp ${hdir}/ready\n`, { mode: 0o755 });
  await writeFile(
    path.join(dir, FLEET_READY),
    ['[Unit]', 'Description=the test host is up', `After=${FLEET_SSHD}`, '[Service]', 'Type=oneshot', 'RemainAfterExit=yes', `ExecStart=/bin/sh ${path.join(hdir, 'ready.sh')}`, ''].join('\n'),
  );
  for (const [name, content] of Object.entries(own)) {
    if (!/^[\w@.:-]+\.(service|timer|socket|target|path)$/.test(name)) throw new Error(`systemd unit name ${name} is not a plain unit file name`);
    await writeFile(path.join(dir, name), content, { mode: 0o644 });
  }
}

/** The lines that turn the host's mount namespace into a systemd host's, then exec systemd. `setup`: the fleet's common lines. */
function bootScript(hdir: string, setup: readonly string[]): string {
  const q = (...a: string[]) => quoteArgv(a);
  return [
    ...setup,
    // The host's PID 1 as the machine sees it: the harness stops it by this PID.
    // (read by the shell itself: a command substitution would read its own child's status)
    `while read -r k v rest; do [ "$k" != NSpid: ] || printf 'og-pid1 %s\\n' "$v" >&2; done < /proc/self/status`,
    q('mount', '-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', '/proc'),
    q('mount', '-t', 'cgroup2', '-o', 'nosuid,nodev,noexec', 'cgroup2', '/sys/fs/cgroup'),
    q('mount', '-o', 'remount,bind,ro', '/sys'),
    q('mount', '--bind', '/proc/sys', '/proc/sys'),
    q('mount', '-o', 'remount,bind,ro', '/proc/sys'),
    // The machine's network-namespace handles stay out of sight (and out of systemd's mount units).
    'umount -R -l /run/netns 2>/dev/null || :',
    // The fleet's directory (this host's files, the restic repositories) stays reachable under the tmpfs mounts
    // below when the checkout lives under /tmp, as a CI clone may: held open now, bound back at its own path
    // through the descriptor once they are in place.
    `exec 7<${quoteArgv([path.dirname(hdir)])}`,
    ...['/tmp', '/var/tmp'].map((d) => q('mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev,size=64m', 'og-tmp', d)),
    ...['/run', '/var/lib/systemd', '/var/log'].map((d) => q('mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev,size=64m', 'og-tmp', d)),
    q('mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,size=1m', 'og-dev', '/dev'),
    ...(
      [
        ['null', 3],
        ['zero', 5],
        ['full', 7],
        ['random', 8],
        ['urandom', 9],
      ] as const
    ).map(([n, minor]) => q('mknod', '-m', '666', `/dev/${n}`, 'c', '1', String(minor))),
    q('mknod', '-m', '666', '/dev/tty', 'c', '5', '0'),
    q('mkdir', '/dev/pts', '/dev/shm'),
    q('mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620', 'og-devpts', '/dev/pts'),
    q('ln', '-s', 'pts/ptmx', '/dev/ptmx'),
    q('mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev,size=16m', 'og-shm', '/dev/shm'),
    ...['fd:/proc/self/fd', 'stdin:/proc/self/fd/0', 'stdout:/proc/self/fd/1', 'stderr:/proc/self/fd/2'].map((l) => q('ln', '-s', l.split(':')[1]!, `/dev/${l.split(':')[0]}`)),
    q('mkdir', '-p', path.dirname(hdir)),
    q('mount', '--no-canonicalize', '--bind', '/proc/self/fd/7', path.dirname(hdir)),
    'exec 7<&-',
    q('touch', '/dev/console'),
    q('mount', '--bind', path.join(hdir, 'console.log'), '/dev/console'),
    q('mount', '--bind', path.join(hdir, 'empty'), '/usr/lib/systemd/system-generators'),
    q('mount', '--bind', path.join(hdir, 'hostname'), '/etc/hostname'),
    q(
      'exec',
      'env',
      '-i',
      'container=opsgate-fleet',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      SYSTEMD_BIN,
      `--unit=${FLEET_TARGET}`,
      '--log-target=console',
      '--log-level=info',
      '--show-status=no',
    ),
  ].join('\n');
}

export interface SystemdHost {
  /** The launcher (unshare): exits once the host's pid namespace is empty. */
  child: ChildProcess;
  /** The host's PID 1 (systemd) as the machine sees it. */
  pid1: number;
  /** PID 1's start time (helpers/process-group.ts): a reused number is never signalled. */
  pid1Start: string | undefined;
  /** The host's cgroup (a directory of the machine's cgroup2 tree). */
  cgroup: string;
  /** Runs a command inside the host (its namespaces), as root. */
  exec(argv: string[]): Promise<{ stdout: string; stderr: string }>;
}

/** Boots the host and waits until its boot target is reached (sshd active) and the spec's units are planted. */
export async function launchSystemdHost(ns: string, hdir: string, spec: FleetHostSpec, setup: readonly string[]): Promise<SystemdHost> {
  const blocker = systemdHostBlocker();
  if (blocker) throw new Error(`cannot boot systemd host ${spec.id}: ${blocker}`);
  await mkdir(path.join(hdir, 'empty'), { recursive: true });
  await writeFile(path.join(hdir, 'console.log'), '');
  await writeFile(path.join(hdir, 'hostname'), `${spec.id}\n`);
  const cgroup = path.join(cgroup2Mount()!, CGROUP_PARENT, ns);
  await mkdir(cgroup, { recursive: true });
  const script = bootScript(hdir, setup);
  // Into the host's own cgroup first, so the cgroup namespace's root is that cgroup.
  const child = spawn(
    'sh',
    [
      '-c',
      'echo $$ > "$1/cgroup.procs" && shift && exec "$@"',
      'og-boot',
      cgroup,
      'ip',
      'netns',
      'exec',
      ns,
      'unshare',
      '--pid',
      '--fork',
      '--mount',
      '--uts',
      '--cgroup',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const consoleTail = () => {
    try {
      return [readFileSync(path.join(hdir, 'console.log'), 'utf8').slice(-800), readFileSync(path.join(hdir, 'sshd.log'), 'utf8').slice(-400)].join('\n');
    } catch {
      return '';
    }
  };
  let log = '';
  let pid1 = 0;
  let pid1Start: string | undefined;
  const readyFile = path.join(hdir, 'ready');
  const watcher = watch(hdir);
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`systemd host ${spec.id}: ${why}\nboot: ${log.slice(-600)}\nconsole: ${consoleTail()}`));
      const timer = setTimeout(() => fail('did not reach its boot target within 60 s'), 60_000);
      const check = () => {
        if (!existsSync(readyFile)) return;
        clearTimeout(timer);
        const state = readFileSync(readyFile, 'utf8').trim();
        if (state === 'active' && pid1) resolve();
        else fail(`booted, but ${FLEET_SSHD} is ${state}${pid1 ? '' : ' (no PID 1 reported)'}`);
      };
      watcher.on('change', check);
      watcher.on('error', (e) => fail(`watching ${hdir}: ${String(e)}`));
      child.stderr!.on('data', (d: Buffer) => {
        log = (log + d.toString('utf8')).slice(-4000);
        const m = /^og-pid1 (\d+)$/m.exec(log);
        if (m && !pid1) {
          pid1 = Number(m[1]);
          pid1Start = startTimeOf(pid1);
        }
        check();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(`the boot exited (${code}) before the host was up`);
      });
      check();
    });
  } catch (e) {
    stopSystemdHostSync({ child, pid1, pid1Start, cgroup });
    throw e;
  } finally {
    watcher.close();
  }
  child.removeAllListeners('exit');
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const exec = (argv: string[]) => run('nsenter', ['-t', String(pid1), '-m', '-p', '-n', '-u', '-C', '--', ...argv], { timeout: 120_000 });
  const host: SystemdHost = { child, pid1, pid1Start, cgroup, exec };
  try {
    const state = await exec(['systemctl', 'is-system-running', '--wait']).then(
      (r) => r.stdout.trim(),
      (e: { stdout?: string }) => String(e.stdout ?? '').trim(),
    );
    if (state !== 'running') {
      const failed = await exec(['systemctl', '--failed', '--no-legend', '--plain']).then((r) => r.stdout.trim(), String);
      throw new Error(`systemd host ${spec.id} booted ${state || 'into an unknown state'}: failed units: ${failed}\nconsole: ${consoleTail()}`);
    }
    if (spec.systemd?.enable?.length) await exec(['systemctl', 'enable', ...spec.systemd.enable]);
    if (spec.systemd?.start?.length) await exec(['systemctl', 'start', ...spec.systemd.start]);
  } catch (e) {
    stopSystemdHostSync(host);
    throw e;
  }
  return host;
}

/** SIGKILL to the host's PID 1 (its whole pid namespace), the launcher's group, then the cgroup tree (best effort: busy until the processes are gone). */
export function stopSystemdHostSync(h: Pick<SystemdHost, 'child' | 'pid1' | 'pid1Start' | 'cgroup'>): void {
  // By number only while the number is still ours: this runs again after stopSystemdHost and at the fleet's end.
  signalSameProcess(h.pid1, h.pid1Start, 'SIGKILL');
  signalChildGroup(h.child, 'SIGKILL');
  removeCgroupTree(h.cgroup);
}

/**
 * Stops the host: SIGKILL to its PID 1 only, then waits for the launcher (unshare --fork), which exits once the kernel
 * has emptied the pid namespace; then the launcher's group and the cgroup tree.
 */
export async function stopSystemdHost(h: SystemdHost): Promise<void> {
  if (h.child.exitCode === null && h.child.signalCode === null) {
    const exited = new Promise<void>((r) => h.child.once('exit', () => r()));
    signalSameProcess(h.pid1, h.pid1Start, 'SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
  }
  stopSystemdHostSync(h);
}

/** Removes a cgroup directory and its children, deepest first; a cgroup with processes stays (EBUSY). */
export function removeCgroupTree(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return true;
  }
  let ok = true;
  for (const e of entries) ok = removeCgroupTree(path.join(dir, e)) && ok;
  try {
    rmdirSync(dir);
  } catch {
    ok = false;
  }
  return ok;
}

/** The cgroups of fleets whose tag is dead (their owner was SIGKILLed): removed once their processes are gone. */
export function reapSystemdCgroups(deadTag: (tag: string) => boolean): void {
  const root = cgroup2Mount();
  if (!root) return;
  const parent = path.join(root, CGROUP_PARENT);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const dir = path.join(parent, n);
    // A host that is still running (a fleet:up fleet is not registered) always has its PID 1 in the tree: never touched.
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() && deadTag(n.split('-')[0]!) && cgroupPidsSync(dir).length === 0) removeCgroupTree(dir);
  }
}

function cgroupPidsSync(dir: string): number[] {
  const out: number[] = [];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...cgroupPidsSync(path.join(dir, e.name)));
    out.push(...readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  } catch {
    /* gone */
  }
  return out;
}

/** The processes still in a host's cgroup tree (for tests of the cleanup). */
export async function cgroupPids(dir: string): Promise<number[]> {
  const out: number[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await walk(path.join(d, e.name));
    const procs = await readFile(path.join(d, 'cgroup.procs'), 'utf8').catch(() => '');
    out.push(...procs.split('\n').filter(Boolean).map(Number));
  };
  await walk(dir);
  return out;
}
