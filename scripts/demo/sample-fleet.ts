/**
 * The sample organisation's 12 hosts as a real test fleet (test/fleet/: one
 * sshd per network + mount namespace), seeded with the accounts, keys and
 * sudoers files the access policy declares, restic repositories with nightly
 * snapshots, and a little realistic drift. Also the operations the sample
 * timeline performs on the hosts between commands (nightly backups, an outage,
 * an operator stopping a service). Edge: needs root, runs ip, restic, kill.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { renderAccessPolicy, type AccessInputs } from '../converge/access.ts';
import { startFleet, type FleetHostSpec, type RunningFleet } from '../../test/fleet/fleet.ts';

const run = promisify(execFile);

/** Drift planted on purpose; everything else on the fleet is what the policies declare. */
export const PLANTED = [
  'web-03: a telnet listener on port 23 (forbidden port), stopped by an operator on 2026-11-19',
  'app-02: net.ipv4.ip_forward=1 at runtime, not persisted; order-service (java, port 8080) not running',
  'app-01: the deploy account still holds the key of sun-hao, who left (removed by converge access on 2026-11-24)',
  'db-02: nightly restic backups stop after 2026-11-14 (stale snapshot)',
  'cache-01: unreachable during the last inspection of the month, 2026-11-30 (loopback of its namespace down)',
  'bastion-01, backup-01: sshd settings covered by the sample exceptions',
  "backup-01: logrotate keeps Debian's default 4 weeks of /var/log/syslog and auth.log (180 days required)",
  'db-01, db-02: no time-sync daemon (chrony) runs',
];

/** Every host keeps its logs as the rulebook asks (rsyslog's files 26 weeks = 182 days, the journal a year), … */
const LOGROTATE_CONF = 'weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n';
const RSYSLOG_FILES = '/var/log/syslog\n/var/log/auth.log\n/var/log/kern.log\n/var/log/daemon.log\n/var/log/user.log\n/var/log/cron.log\n/var/log/messages\n';
const RSYSLOG_RULE = (rotate: number) =>
  `${RSYSLOG_FILES}{\n\trotate ${rotate}\n\tweekly\n\tmissingok\n\tnotifempty\n\tcompress\n\tdelaycompress\n\tsharedscripts\n\tpostrotate\n\t\t/usr/lib/rsyslog/rsyslog-rotate\n\tendscript\n}\n`;
/** … except backup-01, which still has the rule Debian installs (rotate 4 weekly: 28 days). */
const LOG_ROTATE: Record<string, number> = { 'backup-01': 4 };
const JOURNALD = '[Journal]\nStorage=persistent\nMaxRetentionSec=1year\n';

/** Each host's own package database (dpkg status), as the inspection's package checks read it: Debian 12 packages at the versions the sample's documents name. */
const BASE_PACKAGES: Record<string, string> = {
  'openssh-server': '1:9.2p1-2+deb12u3',
  'openssh-client': '1:9.2p1-2+deb12u3',
  auditd: '1:3.0.9-1',
  rsyslog: '8.2302.0-1',
  logrotate: '3.21.0-1',
  sudo: '1.9.13p3-1+deb12u1',
  cron: '3.0pl1-162',
};
const GROUP_PACKAGES: Record<string, Record<string, string>> = {
  web: { nginx: '1.22.1-9' },
  'web-staging': { nginx: '1.22.1-9' },
  app: { 'openjdk-17-jre-headless': '17.0.12+7-2~deb12u1' },
  'app-staging': { 'openjdk-17-jre-headless': '17.0.12+7-2~deb12u1' },
  db: { 'mysql-server': '8.0.39-1debian12', 'mysql-client': '8.0.39-1debian12' },
  cache: { 'redis-server': '5:7.0.15-1~deb12u1' },
  backup: { restic: '0.14.0-1+b5' },
  bastion: {},
};

function dpkgStatus(groups: readonly string[]): string {
  const pkgs = { ...BASE_PACKAGES, ...Object.assign({}, ...groups.map((g) => GROUP_PACKAGES[g] ?? {})) } as Record<string, string>;
  return Object.keys(pkgs)
    .sort()
    .map((name) => `Package: ${name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: ${pkgs[name]}\nDescription: ${name}\n\n`)
    .join('');
}

/** The hosts' apt source (the company's mirror of the Debian security archive) and what it offers: the installed versions, so no update is pending. */
const MIRROR = 'mirrors.yunfan.example_debian-security_dists_bookworm-security';
function aptDirs(groups: readonly string[]): Record<string, Record<string, string>> {
  const offered = dpkgStatus(groups)
    .split('\n\n')
    .filter(Boolean)
    .map((stanza) => `${stanza.replace('Status: install ok installed\n', '')}\nFilename: pool/${/^Package: (\S+)/.exec(stanza)![1]}.deb\nSize: 1\n\n`)
    .join('');
  return {
    '/etc/apt': { 'sources.list': 'deb [trusted=yes] http://mirrors.yunfan.example/debian-security bookworm-security main\n', 'sources.list.d/.keep': '' },
    '/var/lib/apt/lists': {
      [`${MIRROR}_Release`]: 'Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\nArchitectures: amd64\nComponents: main\n',
      [`${MIRROR}_main_binary-amd64_Packages`]: offered,
    },
  };
}
/** Installed kernels (/boot): the running one, so no reboot is pending (the fleet's hosts run this machine's kernel). */
const RUNNING_KERNEL = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();

/** Stand-in for the Redis server on cache-01 (systemd as PID 1 there): a unit systemd starts at boot, as the package's would be. */
const REDIS_UNIT = '[Unit]\nDescription=Advanced key-value store (sample stand-in)\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n';

const BACKUP_POLICY: Record<string, string> = { 'web-01': 'web-config', 'web-02': 'web-config', 'web-03': 'web-config', 'web-04': 'web-config', 'db-01': 'db-mysql', 'db-02': 'db-mysql' };
/** Nightly backup time (Asia/Shanghai) per policy, as policies/backup/*.yaml schedule them. */
const BACKUP_AT: Record<string, string> = { 'web-config': '01:30', 'db-mysql': '02:00' };
const BACKUPS_STOP: Record<string, string> = { 'db-02': '2026-11-14' };
const FIRST_BACKUP_DAY = '2026-10-25';

export interface SampleFleet {
  fleet: RunningFleet;
  /** Environment the commands need: restic passwords under the sample's password_env names. */
  env: Record<string, string>;
  backupUpTo(day: string): Promise<number>;
  setReachable(host: string, up: boolean): Promise<void>;
  stopListener(host: string, port: number): Promise<void>;
  stop(): Promise<void>;
}

function hostDoc(root: string, id: string): Promise<Record<string, unknown>> {
  return readFile(path.join(root, 'inventory', 'hosts', `${id}.yaml`), 'utf8').then((t) => parse(t) as Record<string, unknown>);
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * Starts the fleet for the sample's host ids. `repoRoot` is the real repository
 * (sample inventory and access policy are read from it); `seedAt` is the time
 * the access policy is evaluated for the seeded keys.
 */
export async function startSampleFleet(repoRoot: string, access: AccessInputs, seedAt: Date, dir: string): Promise<SampleFleet> {
  const ids = (await readdir(path.join(repoRoot, 'inventory', 'hosts')))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
  const docs = new Map(await Promise.all(ids.map(async (id) => [id, await hostDoc(repoRoot, id)] as const)));
  const roles = [...new Set(access.roles.map((r) => r.unix_account))].sort();
  const sunHao = access.people.find((p) => p.id === 'sun-hao')?.ssh_keys?.[0]?.public_key;
  const sudoers = new Map<string, Array<{ name: string; content: string }>>();
  // The paths each backup policy names (policies/backup/*.yaml), which the hosts it targets hold and back up nightly.
  const backupPaths = new Map(
    await Promise.all(
      [...new Set(Object.values(BACKUP_POLICY))].map(async (p) => [p, (parse(await readFile(path.join(repoRoot, 'policies', 'backup', `${p}.yaml`), 'utf8')) as { paths: string[] }).paths] as const),
    ),
  );
  const specs: FleetHostSpec[] = ids.map((id) => {
    const doc = docs.get(id)!;
    const policy = renderAccessPolicy({ id, data: { groups: doc.groups as string[] } }, access, seedAt);
    sudoers.set(
      id,
      policy.sudoers.map((s) => ({ name: s.name, content: s.content })),
    );
    // Only the accounts a current grant declares on this host exist there.
    const accounts = roles.flatMap((account, i) => {
      const keys = policy.accounts.find((a) => a.account === account)?.keys.map((k) => k.line) ?? [];
      if (keys.length === 0) return [];
      if (id === 'app-01' && account === 'deploy' && sunHao) keys.push(sunHao);
      return [{ name: account, uid: 2001 + i, shell: '/bin/bash', keys }];
    });
    const groups = doc.groups as string[];
    const spec: FleetHostSpec = { id, groups, env: doc.env as FleetHostSpec['env'], accounts };
    // What the log_retention and package checks read: the host's own logrotate and journald settings and package database.
    spec.files = { '/etc/logrotate.conf': LOGROTATE_CONF };
    spec.dirs = {
      '/etc/logrotate.d': { rsyslog: RSYSLOG_RULE(LOG_ROTATE[id] ?? 26) },
      '/etc/systemd/journald.conf.d': { '60-retention.conf': JOURNALD },
      '/var/log/journal': {},
      '/var/lib/dpkg': { status: dpkgStatus(groups), arch: 'amd64\n' },
      ...aptDirs(groups),
      '/boot': { [`vmlinuz-${RUNNING_KERNEL}`]: '' },
      // Its own /run (no reboot-required marker); cache-01 boots systemd, whose /run is already its own.
      ...(id === 'cache-01' ? {} : { '/run': { 'sshd/.keep': '' } }),
    };
    const policyId = BACKUP_POLICY[id];
    if (policyId) {
      spec.restic = { policy: policyId, snapshotTimes: [] };
      Object.assign(spec.dirs, backedUpDirs(id, backupPaths.get(policyId)!));
    }
    if (id === 'web-03') spec.listen = [23];
    // The order service (a JVM: ss names the process java) answers on 8080 where it runs.
    if (id === 'app-01' || id === 'app-03') spec.services = [{ name: 'java', port: 8080 }];
    if (id === 'cache-01') Object.assign(spec, { init: 'systemd', systemd: { units: { 'redis-server.service': REDIS_UNIT }, enable: ['redis-server.service'], start: ['redis-server.service'] } });
    if (id === 'app-02') spec.sysctlRuntime = { 'net.ipv4.ip_forward': '1' };
    if (id === 'bastion-01') spec.sshd = { extra: ['ClientAliveInterval 0'] };
    if (id === 'backup-01') spec.sshd = { extra: ['Ciphers aes256-gcm@openssh.com,aes128-ctr,aes128-cbc'] };
    return spec;
  });
  const fleet = await startFleet({ hosts: specs, dir });
  const password = Object.values(fleet.env)[0]!;
  const env = { RESTIC_PASSWORD_WEB: password, RESTIC_PASSWORD_DB: password };
  for (const [id, files] of sudoers) {
    for (const f of files) {
      const file = path.join(fleet.dir, id, 'etc', 'sudoers.d', f.name);
      await writeFile(file, f.content, { mode: 0o440 });
      await chmod(file, 0o440);
    }
  }
  const lastBackup = new Map<string, string>();
  const ns = (host: string) => `${fleet.tag}-${host}`;

  const sample: SampleFleet = {
    fleet,
    env,
    /** Takes every nightly snapshot due up to `day` (inclusive) that has not been taken yet. */
    async backupUpTo(day) {
      let taken = 0;
      await Promise.all(
        fleet.hosts
          .filter((h) => h.backup_repositories?.length)
          .map(async (h) => {
            const repo = h.backup_repositories![0]!;
            const stop = BACKUPS_STOP[h.id];
            const from = lastBackup.get(h.id);
            for (const d of days(FIRST_BACKUP_DAY, day)) {
              if ((from && d <= from) || (stop && d > stop)) continue;
              const time = new Date(`${d}T${BACKUP_AT[repo.policy]}:00+08:00`).toISOString().replace('T', ' ').slice(0, 19);
              // Taken inside the host's own mount namespace (that of its sshd), of the policy's paths as the host has them.
              await run(
                'nsenter',
                [
                  `--mount=/proc/${sshdPid(ns(h.id))}/ns/mnt`,
                  '--',
                  'restic',
                  'backup',
                  '--quiet',
                  '--repo',
                  repo.repository,
                  '--host',
                  h.id,
                  '--time',
                  time,
                  '--tag',
                  repo.policy,
                  ...backupPaths.get(repo.policy)!,
                ],
                {
                  env: { ...process.env, RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: path.join(fleet.dir, h.id, '.restic-cache'), TZ: 'UTC' },
                },
              );
              taken++;
            }
            lastBackup.set(h.id, day);
          }),
      );
      return taken;
    },
    /** An outage: the host's namespace loses its loopback, so nothing reaches its sshd; back up restores it. */
    async setReachable(host, up) {
      await run('ip', ['-n', ns(host), 'link', 'set', 'lo', up ? 'up' : 'down']);
    },
    /** An operator stops a service: the process listening on `port` in the host's namespace is killed by its PID. */
    async stopListener(host, port) {
      const pids = execFileSync('ip', ['netns', 'pids', ns(host)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      for (const pid of pids) {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        const argv = cmd.split('\0');
        if (argv[0]?.endsWith('nc') && argv.includes(String(port))) process.kill(Number(pid), 'SIGTERM');
      }
    },
    stop: () => fleet.stop(),
  };
  return sample;
}

/** What a backed-up sample host holds under each path of its policy: a small, host-specific configuration or dump. */
function backedUpDirs(host: string, paths: readonly string[]): Record<string, Record<string, string>> {
  const content: Record<string, Record<string, string>> = {
    '/etc/nginx': {
      'nginx.conf': `# ${host}\nworker_processes auto;\nhttp { include conf.d/*.conf; client_max_body_size 20m; }\n`,
      'conf.d/yunfan.conf': `server { listen 443 ssl; server_name ${host}.yunfan.example; }\n`,
    },
    '/etc/ssl/yunfan': { 'yunfan.crt': `-----BEGIN CERTIFICATE-----\n${Buffer.from(`sample certificate of ${host}`).toString('base64')}\n-----END CERTIFICATE-----\n` },
    '/etc/mysql': { 'my.cnf': `[mysqld]\nserver-id = ${host.replace(/\D/g, '') || 1}\nbinlog_expire_logs_seconds = 604800\n` },
    '/var/backups/mysql': { 'yunfan.sql': `-- mysqldump of ${host}\nCREATE TABLE orders (id BIGINT PRIMARY KEY, placed_at DATETIME);\n` },
  };
  return Object.fromEntries(paths.map((p) => [p, content[p] ?? { README: `${p} on ${host}\n` }]));
}

/** The pid of the sshd in a fleet namespace: its mount namespace is the host's own. */
function sshdPid(ns: string): number {
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const pid = pids.find((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sshd';
    } catch {
      return false;
    }
  });
  if (!pid) throw new Error(`no sshd in namespace ${ns}`);
  return Number(pid);
}

/**
 * The sample inventory pointed at the fleet: each sample host keeps its groups,
 * env, criticality, owner team, services and backup policy; address, user,
 * pinned host key and proxy command come from the fleet (no jump host: the
 * proxy command reaches the namespace directly), repositories are the fleet's.
 */
export async function writeFleetInventory(repoRoot: string, targetRoot: string, fleet: RunningFleet): Promise<void> {
  const dir = path.join(targetRoot, 'inventory', 'hosts');
  await mkdir(dir, { recursive: true });
  for (const h of fleet.hosts) {
    const doc = await hostDoc(repoRoot, h.id);
    delete doc.jump_host;
    Object.assign(doc, { address: h.address, port: h.port, user: h.user, host_keys: h.host_keys, proxy_command: h.proxy_command });
    const repos = doc.backup_repositories as Array<{ repository: string }> | undefined;
    if (repos && h.backup_repositories?.[0]) for (const r of repos) r.repository = h.backup_repositories[0].repository;
    await writeFile(path.join(dir, `${h.id}.yaml`), `# Sample host ${h.id} pointed at the test fleet (${fleet.tag}); generated by scripts/demo/regenerate-sample-records.ts\n${stringify(doc)}`);
  }
}
