import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { quoteArgv } from '../../scripts/ssh/quote.ts';
import { BIND_FILES, CLEAN_SYSCTL, LOGIN_USER, writeHostFiles } from './host-files.ts';
import { generateKeyPair, pinOf } from './keys.ts';
import { freePort, launchLoopbackSshd, LOOPBACK_LIMITATION } from './loopback.ts';
import os from 'node:os';
import type { FleetHostSpec } from './spec.ts';
import { signalChildGroup } from '../helpers/process-group.ts';
import { launchSystemdHost, reapSystemdCgroups, stopSystemdHost, stopSystemdHostSync, writeSystemdUnits, type SystemdHost } from './systemd-host.ts';

export type { FleetHostSpec } from './spec.ts';
const run = promisify(execFile);

/** An inventory host document (inventory/hosts/<id>.yaml) as the harness generated it. */
export interface FleetInventoryHost {
  id: string;
  description: string;
  address: string;
  port: number;
  user: string;
  host_keys: string[];
  proxy_command?: string[];
  groups: string[];
  env: string;
  criticality: string;
  owner_team: string;
  os: string;
  backup_repositories?: Array<{ policy: string; repository: string; password_env: string }>;
}

export interface RunningFleet {
  tag: string;
  /** `namespaces` (root: drift per host) or `loopback` (no root: see LOOPBACK_LIMITATION). */
  mode: 'namespaces' | 'loopback';
  dir: string;
  hosts: FleetInventoryHost[];
  /** The client key every host (except a refused-key host) authorizes. */
  clientKeyPath: string;
  clientPublicKey: string;
  /** Env var name → value for the restic repositories (password_env). */
  env: Record<string, string>;
  /** The hosts that run systemd as PID 1 (`init: 'systemd'`), by id. */
  systemd: Map<string, SystemdHost>;
  /**
   * The network namespace host `id` runs in (namespaces mode). Read it here, never from the
   * host's proxy_command: a test may route a host through a client namespace of its own.
   */
  namespaceOf(id: string): string;
  /** Writes inventory/hosts/*.yaml under root. */
  writeInventory(root: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartFleetOptions {
  hosts: FleetHostSpec[];
  /** Where per-host files go (default .tmp/fleet-<tag> in the repository). */
  dir?: string;
  /** Password of the restic repositories (default: random). */
  resticPassword?: string;
  /** Leave sshd running after this process exits (npm run fleet:up). */
  keepRunning?: boolean;
  /**
   * The caller will change the hosts (apply, converge). Refused without namespaces:
   * a loopback host is the current user's own account, $HOME and /etc.
   */
  mutates?: boolean;
}

export const MUTATES_REFUSAL = 'refusing to start a fleet that will be changed (apply, converge) without root: in loopback mode every host is your own account, so its $HOME and /etc would be written';

const RESTIC_ENV = 'OPSGATE_TEST_RESTIC_PASSWORD';
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const live = new Set<{ stopSync(): void }>();
let hooked = false;

/**
 * Starts one real sshd per host, each in its own network namespace (only its own
 * sockets), UTS namespace (its own hostname) and mount namespace (its own copies of
 * /etc/ssh/sshd_config, login.defs, passwd, group, shadow, sudoers, sysctl files, /home).
 * Requires root. Everything is stopped by PID in stop(), in afterAll, and on process exit.
 */
export async function startFleet(options: StartFleetOptions): Promise<RunningFleet> {
  const mode = process.getuid?.() === 0 && !process.env.OG_FLEET_LOOPBACK ? 'namespaces' : 'loopback';
  if (mode === 'loopback' && options.mutates) throw new Error(MUTATES_REFUSAL);
  if (mode === 'loopback') process.stderr.write(`test fleet: ${LOOPBACK_LIMITATION}\n`);
  const tag = `og${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const dir = options.dir ?? path.join(REPO_ROOT, '.tmp', `fleet-${tag}`);
  await mkdir(dir, { recursive: true });
  if (mode === 'namespaces') await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const resticPassword = options.resticPassword ?? randomBytes(12).toString('hex');
  const client = await generateKeyPair(path.join(dir, 'client_key'), 'ed25519', 'opsgate-fleet-client');
  const namespaces: string[] = [];
  const children = new Map<string, ChildProcess>();
  const systemd = new Map<string, SystemdHost>();

  const stopSync = () => {
    for (const h of systemd.values()) stopSystemdHostSync(h);
    for (const child of children.values()) signalChildGroup(child, 'SIGKILL');
    for (const ns of namespaces) deleteNamespace(ns);
    namespaces.length = 0;
    children.clear();
    if (registered) rmSync(registered, { force: true });
  };
  const handle = { stopSync };
  if (!options.keepRunning) {
    live.add(handle);
    if (!hooked) {
      hooked = true;
      process.once('exit', () => {
        for (const h of live) h.stopSync();
      });
      for (const sig of ['SIGINT', 'SIGTERM'] as const)
        process.once(sig, () => {
          for (const h of live) h.stopSync();
          process.exit(130);
        });
    }
  }

  // A worker that was SIGKILLed never ran its exit hook: its namespaces are reaped by the next fleet that starts.
  let registered: string | undefined;
  if (mode === 'namespaces') {
    reapOrphanedFleets();
    if (!options.keepRunning) {
      mkdirSync(REGISTRY, { recursive: true });
      registered = path.join(REGISTRY, tag);
      writeFileSync(registered, String(process.pid));
    }
  }

  const started = Date.now();
  try {
    const hosts = await Promise.all(
      options.hosts.map(async (spec): Promise<FleetInventoryHost> => {
        const ns = `${tag}-${spec.id}`;
        const hdir = path.join(dir, spec.id);
        await mkdir(hdir, { recursive: true });
        const hostKey = await generateKeyPair(path.join(hdir, 'ssh_host_ed25519_key'), 'ed25519', spec.id);
        const pinned = spec.fault === 'changed-host-key' ? (await generateKeyPair(path.join(hdir, 'old_host_key'), 'ed25519', spec.id)).publicKey : hostKey.publicKey;
        if (mode === 'loopback') {
          const port = await freePort();
          const child = await launchLoopbackSshd(hdir, spec, port, client.publicKey);
          if (child) children.set(spec.id, child);
          return {
            id: spec.id,
            description: `test fleet host (${tag}, loopback)`,
            address: '127.0.0.1',
            port,
            user: os.userInfo().username,
            host_keys: [pinOf(pinned)],
            groups: spec.groups ?? ['web'],
            env: spec.env ?? 'prod',
            criticality: spec.criticality ?? 'medium',
            owner_team: 'ops',
            os: 'debian-12',
          };
        }
        await writeHostFiles(hdir, spec, client.publicKey);
        await run('ip', ['netns', 'add', ns]);
        namespaces.push(ns);
        await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        // Boot: apply the persisted per-namespace values, then plant runtime-only drift.
        const runtime = { ...Object.fromEntries(Object.entries({ ...CLEAN_SYSCTL, ...(spec.sysctlPersisted ?? {}) }).filter(([k]) => k.startsWith('net.'))), ...(spec.sysctlRuntime ?? {}) };
        await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...Object.entries(runtime).map(([k, v]) => `${k}=${v}`)]);
        const backup = spec.restic ? await createResticRepo(hdir, spec, resticPassword) : undefined;
        if (spec.init === 'systemd' && spec.fault !== 'down') {
          await writeSystemdUnits(hdir, spec, sshdConfigPath(hdir, spec));
          const h = await launchSystemdHost(ns, hdir, spec, await hostSetupLines(hdir, spec));
          systemd.set(spec.id, h);
          children.set(spec.id, h.child);
        } else if (spec.fault !== 'down') children.set(spec.id, await launchSshd(ns, hdir, spec));
        return {
          id: spec.id,
          description: `test fleet host (${tag})`,
          address: '127.0.0.1',
          port: 22,
          user: spec.login?.name ?? LOGIN_USER,
          host_keys: [pinOf(pinned)],
          proxy_command: ['ip', 'netns', 'exec', ns, 'nc', '127.0.0.1', '22'] as string[],
          groups: spec.groups ?? ['web'],
          env: spec.env ?? 'prod',
          criticality: spec.criticality ?? 'medium',
          owner_team: 'ops',
          os: 'debian-12',
          ...(backup ? { backup_repositories: [{ policy: spec.restic!.policy, repository: backup, password_env: RESTIC_ENV }] } : {}),
        };
      }),
    );
    if (process.env.OG_FLEET_DEBUG) process.stderr.write(`fleet ${tag}: ${hosts.length} hosts up in ${Date.now() - started} ms\n`);
    const fleet: RunningFleet = {
      tag,
      mode,
      dir,
      hosts,
      clientKeyPath: client.privatePath,
      clientPublicKey: client.publicKey,
      env: { [RESTIC_ENV]: resticPassword },
      systemd,
      namespaceOf(id) {
        if (mode !== 'namespaces' || !hosts.some((h) => h.id === id)) throw new Error(`fleet ${tag}: no namespace for host '${id}' (${mode} mode)`);
        return `${tag}-${id}`;
      },
      async writeInventory(root) {
        const hostsDir = path.join(root, 'inventory', 'hosts');
        await mkdir(hostsDir, { recursive: true });
        await Promise.all(hosts.map((h) => writeFile(path.join(hostsDir, `${h.id}.yaml`), stringify(h))));
      },
      async stop() {
        await Promise.all([...systemd.values()].map((h) => stopSystemdHost(h)));
        stopSync();
        live.delete(handle);
        if (!options.keepRunning && !process.env.OG_FLEET_KEEP && !options.dir) await rm(dir, { recursive: true, force: true });
      },
    };
    return fleet;
  } catch (err) {
    stopSync();
    live.delete(handle);
    throw err;
  }
}

/** Kills every process in a namespace by PID, then deletes it; each part is tried even when another failed. */
function deleteNamespace(ns: string): void {
  for (let round = 0; round < 3; round++) {
    let pids: string[];
    try {
      pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')
        .filter(Boolean);
    } catch {
      break;
    }
    if (pids.length === 0) break;
    for (const p of pids)
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
  }
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

/** Running fleets of this machine (not `keepRunning` ones): tag → the pid of the process that owns it. */
const REGISTRY = '/run/opsgate-test-fleets';

function reapOrphanedFleets(): void {
  let tags: string[];
  try {
    tags = readdirSync(REGISTRY);
  } catch {
    return;
  }
  let namespaces: string[] | undefined;
  for (const tag of tags) {
    const file = path.join(REGISTRY, tag);
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0 && pidAlive(pid)) continue;
    namespaces ??= execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean);
    for (const ns of namespaces.filter((n) => n.startsWith(`${tag}-`))) deleteNamespace(ns);
    rmSync(file, { force: true });
  }
  // systemd hosts' cgroups of fleets no longer registered (their processes gone).
  reapSystemdCgroups((tag) => !readdirSync(REGISTRY).includes(tag));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sshdConfigPath = (hdir: string, spec: FleetHostSpec) => (spec.sshd?.configElsewhere ? path.join(hdir, 'daemon-etc', 'sshd_config') : path.join(hdir, 'etc', 'ssh', 'sshd_config'));

/** The shell lines that give a host its own files (bind mounts), hostname and listeners, inside its mount namespace. */
async function hostSetupLines(hdir: string, spec: FleetHostSpec): Promise<string[]> {
  const lines = ['set -e'];
  for (const f of BIND_FILES) lines.push(quoteArgv(['mount', '--bind', path.join(hdir, 'etc', f), `/etc/${f}`]));
  lines.push(quoteArgv(['mount', '--bind', path.join(hdir, 'home'), '/home']));
  const inodes = spec.mntInodes ? `,nr_inodes=${Math.floor(spec.mntInodes.count)}` : '';
  lines.push(quoteArgv(['mount', '-t', 'tmpfs', '-o', `size=4m,mode=0755${inodes}`, 'ogdisk', '/mnt']));
  // opsgate's state on the host (locks, step markers, commit-confirmation copies) is the host's own.
  lines.push(quoteArgv(['mkdir', '-p', '/var/lib/opsgate', path.join(hdir, 'var-lib-opsgate')]));
  if (spec.stateDiskKb) lines.push(quoteArgv(['mount', '-t', 'tmpfs', '-o', `size=${Math.floor(spec.stateDiskKb)}k,mode=0755`, 'ogstate', '/var/lib/opsgate']));
  else lines.push(quoteArgv(['mount', '--bind', path.join(hdir, 'var-lib-opsgate'), '/var/lib/opsgate']));
  // Backup jobs converge writes (converge backup): each host's own job files, cron entries, units and restic cache.
  for (const [own, at] of [
    ['etc-opsgate', '/etc/opsgate'],
    ['cron.d', '/etc/cron.d'],
    ['systemd-system', '/etc/systemd/system'],
    ['var-cache-opsgate', '/var/cache/opsgate'],
  ] as const) {
    lines.push(quoteArgv(['mkdir', '-p', at, path.join(hdir, own)]));
    lines.push(quoteArgv(['mount', '--bind', path.join(hdir, own), at]));
  }
  for (const [i, [at, files]] of Object.entries(spec.dirs ?? {}).entries()) {
    if (!at.startsWith('/') || at.split('/').includes('..')) throw new Error(`dirs path ${at} is not absolute`);
    const own = path.join(hdir, 'dirs', String(i));
    for (const [rel, content] of Object.entries(files)) {
      if (rel.startsWith('/') || rel.split('/').includes('..')) throw new Error(`dirs file ${rel} leaves ${at}`);
      await mkdir(path.dirname(path.join(own, rel)), { recursive: true });
      await writeFile(path.join(own, rel), content);
    }
    await mkdir(own, { recursive: true });
    lines.push(quoteArgv(['mkdir', '-p', at]), quoteArgv(['mount', '--bind', own, at]));
  }
  if (spec.diskFillPercent) lines.push(`dd if=/dev/zero of=/mnt/fill bs=1k count=${Math.floor(40.96 * spec.diskFillPercent)} 2>/dev/null`);
  for (const [i, [at, content]] of Object.entries(spec.files ?? {}).entries()) {
    if (!at.startsWith('/') || at.split('/').includes('..')) throw new Error(`files path ${at} is not absolute`);
    const own = path.join(hdir, 'files', String(i));
    await mkdir(path.dirname(own), { recursive: true });
    await writeFile(own, content);
    lines.push(`[ -e ${quoteArgv([at])} ] || : > ${quoteArgv([at])}`, quoteArgv(['mount', '--bind', own, at]));
  }
  // Named listeners (the process name is the copy's file name); a stopped one is stopped only once its socket listens.
  for (const s of spec.services ?? []) {
    if (!/^[a-z][a-z0-9-]{0,14}$/.test(s.name) || !Number.isInteger(s.port)) throw new Error(`service ${s.name}:${s.port} is not a name and a port`);
    lines.push(quoteArgv(['mkdir', '-p', '/mnt/.svc']), quoteArgv(['cp', '/usr/bin/nc', `/mnt/.svc/${s.name}`]), `/mnt/.svc/${s.name} -lk 127.0.0.1 ${s.port} </dev/null >/dev/null 2>&1 &`);
    if (s.stopped) lines.push(`p=$!; i=0; until ss -Hltn 'sport = :${s.port}' | grep -q .; do i=$((i + 1)); [ $i -lt 400 ] || exit 71; sleep 0.05; done; kill -STOP $p`);
  }
  // Written by this shell, which then becomes sshd: these files postdate the daemon's process start time. A file sshd
  // reads (an Include, a host key) planted here is judged loaded by the host's PidFile (its own, in its directory:
  // host-files.ts), which sshd writes once it has read them; with `PidFile none` planted (`sshd.extra`), ssh.config-loaded
  // rightly cannot tell it was loaded.
  for (const [rel, f] of Object.entries(spec.mntFiles ?? {})) {
    const target = path.posix.join('/mnt', rel);
    if (!target.startsWith('/mnt/')) throw new Error(`mntFiles path ${rel} leaves /mnt`);
    lines.push(quoteArgv(['mkdir', '-p', path.posix.dirname(target)]));
    if (f.copyOf) lines.push(quoteArgv(['cp', f.copyOf, target]));
    else lines.push(`printf '%s' ${quoteArgv([f.content ?? ''])} > ${quoteArgv([target])}`);
    lines.push(quoteArgv(['chmod', f.mode ?? '0644', target]));
  }
  // Last of what goes in /mnt: nothing can be created there afterwards.
  if (spec.mntInodes?.fill) lines.push('i=0; while true 2>/dev/null > "/mnt/.inode-$i"; do i=$((i + 1)); done');
  // A hang where the probe reads the package database: dpkg-query sleeps, and the status file the probe reads instead is a
  // FIFO nobody writes (opening it blocks, like a read from a stuck disk).
  if (spec.fault === 'hang') {
    lines.push(quoteArgv(['mount', '--bind', path.join(hdir, 'hang'), '/usr/bin/dpkg-query']));
    lines.push(quoteArgv(['mkfifo', path.join(hdir, 'dpkg-status')]), quoteArgv(['mount', '--bind', path.join(hdir, 'dpkg-status'), '/var/lib/dpkg/status']));
  }
  lines.push(quoteArgv(['hostname', spec.id]));
  for (const port of spec.listen ?? []) lines.push(`nc -lk 0.0.0.0 ${Number(port)} </dev/null >/dev/null 2>&1 &`);
  return lines;
}

async function launchSshd(ns: string, hdir: string, spec: FleetHostSpec): Promise<ChildProcess> {
  const lines = await hostSetupLines(hdir, spec);
  const config = sshdConfigPath(hdir, spec);
  lines.push(quoteArgv(['exec', '/usr/sbin/sshd', '-D', '-e', '-f', config, ...(spec.sshd?.daemonOptions ?? []).flatMap((o) => ['-o', o])]));
  const child = spawn('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', lines.join('\n')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd for ${spec.id} did not start within 10 s: ${log.slice(-500)}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString('utf8')).slice(-4000);
      if (log.includes('Server listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd for ${spec.id} exited (${code}): ${log.slice(-500)}`));
    });
  });
  child.removeAllListeners('exit');
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return child;
}

const sharedRepos = new Map<string, Promise<string>>();

async function createResticRepo(hdir: string, spec: FleetHostSpec, password: string): Promise<string> {
  const r = spec.restic!;
  // TZ=UTC: restic reads `--time` in the local zone, and the times below are written in UTC.
  const env = { ...process.env, TZ: 'UTC', RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: path.join(hdir, '.restic-cache') };
  const init = async (repo: string) => {
    await run('restic', ['init', '--repo', repo], { env });
    return repo;
  };
  let repo: string;
  if (r.shared) {
    const key = `${path.dirname(hdir)}\u0000${r.shared}`;
    if (!sharedRepos.has(key)) sharedRepos.set(key, init(path.join(path.dirname(hdir), `restic-shared-${r.shared}`)));
    repo = await sharedRepos.get(key)!;
  } else repo = await init(path.join(hdir, 'restic-repo'));
  const data = path.join(hdir, 'etc');
  const backup = (host: string, t: string) =>
    run('restic', ['backup', '--repo', repo, '--host', host, '--time', new Date(t).toISOString().replace('T', ' ').slice(0, 19), '--tag', r.policy, data], { env });
  // One writer at a time per repository: restic locks it.
  const chain = (sharedLocks.get(repo) ?? Promise.resolve()).then(async () => {
    for (const t of r.snapshotTimes) await backup(spec.id, t);
    for (const x of r.foreign ?? []) await backup(x.host, x.time);
  });
  sharedLocks.set(
    repo,
    chain.catch(() => {}),
  );
  await chain;
  return repo;
}
const sharedLocks = new Map<string, Promise<void>>();
