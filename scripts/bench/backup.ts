/**
 * `npm run bench:backup` (as root): the controller's overhead of `opsgate backup verify`
 * against running the same restic commands by hand over OpenSSH, side by side.
 *
 * A test fleet of --hosts N (default 5) real sshd hosts, each backing up --mb MiB
 * (default and at most 3: a fleet host's /mnt is a 4 MiB tmpfs) of its own files into its own restic repository (--snapshots, default 3).
 * Then, alternating --rounds times (default 3):
 * - opsgate: `opsgate backup verify --restore-test` as a fresh process (the built CLI),
 *   every host in parallel, one connection per host;
 * - by hand: OpenSSH `ssh` (ControlMaster, so one TCP+auth per host as well), every host in
 *   parallel, per host the same four commands opsgate runs — `restic snapshots --json`,
 *   `restic check --read-data-subset=100%`, `restic forget --dry-run --json …`, the restore
 *   test script for the newest snapshot — each rendered by the same module, password on stdin.
 * Prints the medians and the ratio opsgate ÷ by hand (target ≤ 1.1×).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { flag, passwordStdin, renderWithPassword, resticArgv } from '../backup/restic.ts';
import { restoreTestArgv } from '../backup/restore-script.ts';
import { parseSnapshots } from '../backup/parse.ts';
import { startFleet, type RunningFleet } from '../../test/fleet/fleet.ts';
import { takeBackups } from '../../test/backup/fleet-backups.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--hosts', 5);
const MB = Math.min(arg('--mb', 3), 3);
const SNAPSHOTS = arg('--snapshots', 3);
const ROUNDS = arg('--rounds', 3);
const PASSWORD = `bench-${randomBytes(12).toString('hex')}`;
const ENV = 'RESTIC_PASSWORD_BENCH';
const HOUR = 3_600_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function writeRepo(fleet: RunningFleet): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-bench-backup-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await fleet.writeInventory(root);
  await mkdir(path.join(root, 'policies', 'backup'), { recursive: true });
  await writeFile(
    path.join(root, 'policies', 'backup', 'bench.yaml'),
    stringify({
      id: 'bench',
      title: 'bench',
      targets: { groups: ['bench'] },
      paths: ['/mnt/app'],
      tags: ['bench'],
      tool: 'restic',
      repository: { url: '/srv/unused', password_env: ENV },
      offhost: { host: fleet.hosts[0]!.id },
      encryption: true,
      schedule: { full: '0 2 * * *' },
      retention: { keep_daily: 7 },
      rpo_hours: 24,
      rto_hours: 4,
      verification: { restore_test_every_days: 30, read_data_subset: '100%' },
    }),
  );
  return root;
}

function timedProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<{ wall: number; code: number; output: string }> {
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((r) => child.on('close', (c) => r({ wall: (performance.now() - t0) / 1000, code: c ?? -1, output })));
}

/** One command over OpenSSH through the host's proxy command and pinned key, stdin given. */
function ssh(fleet: RunningFleet, dir: string, host: string, command: string, stdin: string): Promise<{ code: number; stdout: string }> {
  const h = fleet.hosts.find((x) => x.id === host)!;
  const child = spawn(
    'ssh',
    [
      '-i',
      fleet.clientKeyPath,
      '-o',
      `ProxyCommand=${h.proxy_command!.join(' ')}`,
      '-o',
      `HostKeyAlias=${h.id}`,
      '-o',
      `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${path.join(dir, `cm-${h.id}`)}`,
      '-o',
      'ControlPersist=30',
      `${h.user}@${h.id}`,
      command,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', () => {});
  child.stdin.end(stdin);
  return new Promise((r) => child.on('close', (c) => r({ code: c ?? -1, stdout })));
}

async function byHand(fleet: RunningFleet, dir: string, repos: Map<string, string>): Promise<number> {
  const t0 = performance.now();
  const cmd = (argv: string[]) => renderWithPassword(argv).command;
  await Promise.all(
    fleet.hosts.map(async (h) => {
      const repo = repos.get(h.id)!;
      const stdin = passwordStdin(PASSWORD);
      const snaps = await ssh(fleet, dir, h.id, cmd(resticArgv(repo, 'snapshots', ['--json', flag('--host', h.id), flag('--tag', 'bench')], { noLock: true })), stdin);
      const newest = parseSnapshots(snaps.stdout).at(-1)!;
      await ssh(fleet, dir, h.id, cmd(resticArgv(repo, 'check', [flag('--read-data-subset', '100%')])), stdin);
      await ssh(
        fleet,
        dir,
        h.id,
        cmd(resticArgv(repo, 'forget', ['--dry-run', '--json', flag('--host', h.id), flag('--tag', 'bench'), flag('--group-by', 'host,tags'), flag('--keep-daily', '7')], { noLock: true })),
        stdin,
      );
      const r = await ssh(fleet, dir, h.id, cmd(restoreTestArgv(`OGR-${randomBytes(8).toString('hex')}`, repo, newest.id, '/var/tmp', ['/mnt/app'])), stdin);
      if (r.code !== 0) throw new Error(`restore test by hand on ${h.id} exited ${r.code}`);
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  // Close the masters: the next round opens its connections again, like opsgate does.
  await Promise.all(fleet.hosts.map((h) => run('ssh', ['-o', `ControlPath=${path.join(dir, `cm-${h.id}`)}`, '-O', 'exit', h.id]).catch(() => {})));
  return wall;
}

async function main() {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench:backup needs root (the test fleet uses network namespaces)\n');
    return 2;
  }
  const loadBefore = os.loadavg()[0]!;
  const fleet = await startFleet({ hosts: Array.from({ length: N }, (_, i) => ({ id: `bk${String(i + 1).padStart(2, '0')}`, groups: ['bench'] })) });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'og-bench-ssh-'));
  let root = '';
  try {
    const repos = new Map(fleet.hosts.map((h) => [h.id, path.join(fleet.dir, `repo-${h.id}`)]));
    const now = Date.now();
    const mb = MB;
    await takeBackups(
      fleet,
      PASSWORD,
      fleet.hosts.map((h) => ({
        host: h.id,
        policy: 'bench',
        repository: repos.get(h.id)!,
        files: { 'app/data.bin': randomBytes(Math.floor(mb * 1024 * 1024 * 0.9)), 'app/conf/app.ini': `[app]\nhost = ${h.id}\n` },
        times: Array.from({ length: SNAPSHOTS }, (_, i) => new Date(now - (SNAPSHOTS - i) * 20 * HOUR)),
      })),
    );
    for (const h of fleet.hosts) h.backup_repositories = [{ policy: 'bench', repository: repos.get(h.id)!, password_env: ENV }];
    root = await writeRepo(fleet);
    await writeFile(path.join(dir, 'known_hosts'), fleet.hosts.map((h) => `${h.id} ${h.host_keys[0]}`).join('\n') + '\n');
    const bin = [process.execPath, path.join(ROOT, 'scripts/bin/opsgate.mjs')];
    await timedProcess([...bin, '--version'], process.env); // builds the bundle outside the figures
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, [ENV]: PASSWORD };
    const og: number[] = [];
    const hand: number[] = [];
    await byHand(fleet, dir, repos); // warm-up: page cache, first sshd connections
    for (let i = 0; i < ROUNDS; i++) {
      const r = await timedProcess([...bin, 'backup', 'verify', '--root', root, '--identity', fleet.clientKeyPath, '--restore-test', '--format', 'json'], env);
      if (r.code !== 0) throw new Error(`opsgate backup verify exited ${r.code}: ${r.output.slice(-1500)}`);
      if (r.output.includes(PASSWORD)) throw new Error('the password appeared in the output');
      og.push(r.wall);
      hand.push(await byHand(fleet, dir, repos));
    }
    const lines = [
      '',
      `opsgate backup verify benchmark — ${os.cpus().length} CPUs, Node ${process.version}; ${N} hosts, each its own repository of ${SNAPSHOTS} snapshots of ${mb} MiB, check --read-data-subset=100%, retention, restore test`,
      `machine load average (1 min) before: ${loadBefore.toFixed(1)}, after: ${os.loadavg()[0]!.toFixed(1)}`,
      `  opsgate backup verify --restore-test (CLI)  median ${median(og).toFixed(2)} s  (${og.map((x) => x.toFixed(2)).join(', ')})`,
      `  the same restic commands by hand over ssh   median ${median(hand).toFixed(2)} s  (${hand.map((x) => x.toFixed(2)).join(', ')})`,
      `  ratio opsgate ÷ by hand: ${(median(og) / median(hand)).toFixed(2)}×  (target ≤ 1.1×)`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    await mkdir(path.join(ROOT, '.tmp'), { recursive: true });
    await writeFile(path.join(ROOT, '.tmp', 'bench-backup.json'), JSON.stringify({ at: new Date().toISOString(), hosts: N, mb, snapshots: SNAPSHOTS, loadBefore, opsgate: og, byHand: hand }, null, 2));
    return 0;
  } finally {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
    if (root) await rm(root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
