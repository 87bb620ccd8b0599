/**
 * Local development fleet: `npm run fleet:up` starts the sample organisation's 12 hosts
 * (with some planted drift) and writes a runnable repository copy to .tmp/fleet/repo
 * (schemas + policies from this repository, inventory generated with pinned keys);
 * `npm run fleet:down` stops every process by PID and deletes the namespaces.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFleet, type FleetHostSpec } from './fleet.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, '.tmp', 'fleet');
const STATE = path.join(DIR, 'state.json');

export const SAMPLE_FLEET: FleetHostSpec[] = [
  { id: 'web-01', groups: ['web'], listen: [23], sysctlRuntime: { 'net.ipv4.ip_forward': '1' } },
  { id: 'web-02', groups: ['web'], sshd: { permitRootLogin: 'yes' } },
  { id: 'web-03', groups: ['web'], fileModes: { '/etc/passwd': '0666' } },
  { id: 'web-04', groups: ['web'], env: 'staging' },
  { id: 'app-01', groups: ['app'], accounts: [{ name: 'toor', uid: 0, shell: '/bin/sh' }] },
  { id: 'app-02', groups: ['app'], loginDefs: { PASS_MAX_DAYS: '99999' } },
  { id: 'app-03', groups: ['app'], env: 'staging' },
  { id: 'db-01', groups: ['db'], criticality: 'critical', restic: { policy: 'db-mysql', snapshotTimes: [new Date(Date.now() - 50 * 3600_000).toISOString()] } },
  { id: 'db-02', groups: ['db'], criticality: 'critical', diskFillPercent: 95 },
  { id: 'cache-01', groups: ['cache'] },
  { id: 'bastion-01', groups: ['bastion'], sshd: { extra: ['ClientAliveInterval 0'] } },
  { id: 'backup-01', groups: ['backup'], sshd: { extra: ['Ciphers aes256-gcm@openssh.com,aes128-ctr,aes128-cbc'] } },
];

async function up() {
  if (await readFile(STATE, 'utf8').catch(() => '')) throw new Error(`a fleet is already up (${STATE}); run npm run fleet:down first`);
  const fleet = await startFleet({ hosts: SAMPLE_FLEET, dir: path.join(DIR, 'hosts'), keepRunning: true });
  const repo = path.join(DIR, 'repo');
  await rm(repo, { recursive: true, force: true });
  await mkdir(repo, { recursive: true });
  await cp(path.join(ROOT, 'schemas'), path.join(repo, 'schemas'), { recursive: true });
  await cp(path.join(ROOT, 'policies'), path.join(repo, 'policies'), { recursive: true });
  await cp(path.join(ROOT, 'inventory', 'groups'), path.join(repo, 'inventory', 'groups'), { recursive: true }).catch(() => {});
  await fleet.writeInventory(repo);
  const pids = execFileSync('sh', ['-c', `for n in $(ip netns list | awk '{print $1}' | grep '^${fleet.tag}-'); do ip netns pids $n; done`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  await writeFile(STATE, JSON.stringify({ tag: fleet.tag, pids }, null, 2));
  const password = Object.values(fleet.env)[0]!;
  // The sample inventory's db hosts name RESTIC_PASSWORD_DB; the generated one names the fleet's variable. Both are set.
  await writeFile(path.join(DIR, 'env'), `${Object.keys(fleet.env)[0]}=${password}\nRESTIC_PASSWORD_DB=${password}\n`, { mode: 0o600 });
  process.stdout.write(
    [
      `fleet ${fleet.tag}: ${fleet.hosts.length} hosts up; repository copy in ${path.relative(ROOT, repo)}`,
      `try: set -a; . .tmp/fleet/env; set +a; npx tsx scripts/bin/opsgate.ts inspect --root ${path.relative(ROOT, repo)} --identity ${path.relative(ROOT, fleet.clientKeyPath)}`,
      'stop: npm run fleet:down',
      '',
    ].join('\n'),
  );
}

async function down() {
  const state = JSON.parse(await readFile(STATE, 'utf8').catch(() => '{}')) as { tag?: string; pids?: string[] };
  if (!state.tag) {
    process.stdout.write('no fleet is up\n');
    return;
  }
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`${state.tag}-`));
  for (const ns of namespaces) {
    for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean))
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    execFileSync('ip', ['netns', 'del', ns]);
  }
  await rm(DIR, { recursive: true, force: true });
  process.stdout.write(`fleet ${state.tag} stopped (${namespaces.length} namespaces removed)\n`);
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else {
  process.stderr.write('usage: tsx test/fleet/cli.ts up|down\n');
  process.exitCode = 2;
}
