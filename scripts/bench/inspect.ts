/**
 * npm run bench:inspect — opsgate inspection vs ansible-core on the same real sshd fleet, in one run.
 *
 *   1. floor: connect + authenticate + `true` on every host over the same transport (ssh2 + proxy command), in-process;
 *   2. opsgate in-process: the full probe, parse and evaluate of every baseline;
 *   3. opsgate CLI (`opsgate inspect`, a fresh process, as CI runs it), under /usr/bin/time;
 *   4. ansible-playbook running the same probe sections as one `shell` task each (become, forks=20,
 *      pipelining, ControlPersist), under /usr/bin/time;
 *   5. the floor of the same probe: N parallel OpenSSH clients (`ssh` with the same proxy command,
 *      key and pinned host keys) each sending the very script opsgate sends, in one exec;
 *   6. host-side CPU per probe: the probe shell's own CPU plus its children's, read on the host
 *      from /proc/$$/stat when the probe ends (scripts/inspect/probe.ts), reported per host;
 *   7. the same opsgate runs, and the OpenSSH floor, on 100 hosts.
 * Ansible runs only when ansible-playbook is installed. Prints wall and CPU seconds, ratios and
 * peak RSS; writes .tmp/bench-inspect.json.
 * Needs root (the fleet uses network namespaces). Options: --hosts N (default 20), --large N (default 100, 0 to skip).
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { loadInspection } from '../inspect/load.ts';
import { runInspection, toSshTarget } from '../inspect/runner.ts';
import { probeNeeds } from '../inspect/evaluate.ts';
import { buildProbeScript, probeCommand, SECTION_BODIES } from '../inspect/probe.ts';
import { PROBE_PRELUDE } from '../inspect/probe-bodies.ts';
import { quoteArg } from '../ssh/quote.ts';
import { openFleet } from '../ssh/fleet.ts';
import { startFleet, type FleetHostSpec, type RunningFleet } from '../../test/fleet/fleet.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--hosts', 20);
const LARGE = arg('--large', 100);

interface Measure {
  wall: number;
  cpu: number;
  rssMb?: number;
  note?: string;
}

function specs(n: number): FleetHostSpec[] {
  const groups = ['web', 'app', 'db', 'cache'];
  return Array.from({ length: n }, (_, i) => {
    const id = `h${String(i + 1).padStart(3, '0')}`;
    const s: FleetHostSpec = { id, groups: [groups[i % groups.length]!] };
    if (i % 5 === 1) s.sshd = { permitRootLogin: 'yes' };
    if (i % 7 === 2) s.listen = [23];
    if (i % 6 === 3) s.sysctlRuntime = { 'net.ipv4.ip_forward': '1' };
    return s;
  });
}

async function writeRepo(fleet: RunningFleet): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-bench-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await cp(path.join(ROOT, 'policies', 'baselines'), path.join(root, 'policies', 'baselines'), { recursive: true });
  await fleet.writeInventory(root);
  return root;
}

async function floor(root: string, key: string): Promise<Measure> {
  const loaded = await loadInspection(root, { hosts: [], groups: [], baselines: [] });
  const targets = loaded.hosts.map((h) => toSshTarget(h, loaded.inventory));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const fleet = openFleet(targets, { auth: { privateKey: key }, concurrency: 200 });
  const results = await fleet.forEach(async (t, f) => {
    const r = await (await f.session(t.id)).exec(['true']);
    await f.release(t.id);
    return r.code;
  }, 200);
  await fleet.close();
  const failed = results.filter((r) => r.value !== 0).length;
  if (failed) throw new Error(`floor: ${failed} hosts failed`);
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds(cpu0) };
}

async function inProcess(root: string, key: string): Promise<Measure & { rows: number; hostCpuMs: number[] }> {
  const loaded = await loadInspection(root, { hosts: [], groups: [], baselines: [] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const runs = await runInspection({
    hosts: loaded.hosts,
    inventory: loaded.inventory,
    baselines: loaded.baselines,
    policy: loaded.policy,
    auth: { privateKey: key },
    secrets: [key],
    env: {},
    now: () => new Date(),
    concurrency: 200,
  });
  const wall = (performance.now() - t0) / 1000;
  const errors = runs.filter((r) => r.error);
  if (errors.length) throw new Error(`opsgate: ${errors.length} hosts failed: ${errors[0]!.error!.message}`);
  return { wall, cpu: cpuSeconds(cpu0), rows: runs.reduce((n, r) => n + r.rows.length, 0), hostCpuMs: runs.map((r) => r.hostCpuMs ?? Number.NaN) };
}

/**
 * The floor for the same work: N OpenSSH clients in parallel, each sending the script opsgate
 * sends (same sections, files, sysctl keys) through the same proxy command, verified against the
 * pinned host key. Wall time from the first spawn to the last exit.
 */
async function opensshFloor(fleet: RunningFleet, root: string, dir: string): Promise<Measure> {
  const loaded = await loadInspection(root, { hosts: [], groups: [], baselines: [] });
  const needs = probeNeeds(loaded.baselines);
  const known = path.join(dir, 'known_hosts_floor');
  await writeFile(known, fleet.hosts.map((h) => `${h.id} ${h.host_keys[0]}`).join('\n') + '\n');
  const boundary = 'OGB-openssh-floor-000001';
  const script = buildProbeScript({ boundary, sections: needs.sections, files: needs.files, sysctlKeys: needs.sysctlKeys, restic: [] });
  const remote = `sh -c ${quoteArg(probeCommand(58))}`;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await Promise.all(
    fleet.hosts.map(
      (h) =>
        new Promise<{ code: number; ok: boolean }>((resolve) => {
          const child = spawn(
            'ssh',
            [
              '-i',
              fleet.clientKeyPath,
              '-o',
              'BatchMode=yes',
              '-o',
              'StrictHostKeyChecking=yes',
              '-o',
              `UserKnownHostsFile=${known}`,
              '-o',
              `HostKeyAlias=${h.id}`,
              '-o',
              `ProxyCommand=${h.proxy_command!.join(' ')}`,
              '-o',
              'LogLevel=ERROR',
              `${h.user}@${h.address}`,
              remote,
            ],
            { stdio: ['pipe', 'pipe', 'pipe'] },
          );
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
          });
          child.stderr.resume();
          child.stdin.end(script);
          child.on('close', (code) => resolve({ code: code ?? -1, ok: out.includes(`${boundary} end load `) || out.includes(`${boundary} end `) }));
        }),
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  const bad = results.filter((r) => r.code !== 0 || !r.ok).length;
  if (bad) throw new Error(`openssh floor: ${bad} of ${results.length} clients failed`);
  return { wall, cpu: cpuSeconds(cpu0), note: 'client CPU of the ssh processes is not in this figure' };
}

const median = (xs: number[]) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)]! : Number.NaN;
};
const hasAnsible = await run('sh', ['-c', 'command -v ansible-playbook']).then(
  () => true,
  () => false,
);

const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
};

/** Runs a command under GNU time: wall, user+sys of the process tree it waited for, peak RSS of the largest process. */
async function timed(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Measure & { code: number; output: string }> {
  const tfile = path.join(os.tmpdir(), `og-bench-time-${process.pid}`);
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tfile, ...argv], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  const wallOuter = (performance.now() - t0) / 1000;
  const [, user, sys, rss] = (await readFile(tfile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  await rm(tfile, { force: true });
  return { code, output, wall: wallOuter, cpu: user! + sys!, rssMb: Math.round(rss! / 1024) };
}

async function ansible(fleet: RunningFleet, dir: string, onePlay = false): Promise<Measure> {
  const cp = path.join('/tmp', `ogcp${process.pid}`);
  await mkdir(cp, { recursive: true });
  const known = fleet.hosts.map((h) => `${h.id} ${h.host_keys[0]}`).join('\n') + '\n';
  await writeFile(path.join(dir, 'known_hosts'), known);
  const inv =
    [
      '[fleet]',
      ...fleet.hosts.map(
        (h) =>
          `${h.id} ansible_host=127.0.0.1 ansible_user=${h.user} ansible_ssh_private_key_file=${fleet.clientKeyPath} ansible_ssh_common_args='-o ProxyCommand="${h.proxy_command!.join(' ')}" -o HostKeyAlias=${h.id} -o UserKnownHostsFile=${path.join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes'`,
      ),
    ].join('\n') + '\n';
  await writeFile(path.join(dir, 'hosts.ini'), inv);
  const tasks = onePlay
    ? [{ name: 'probe', 'ansible.builtin.shell': { cmd: buildProbeScript({ boundary: 'OGB-ansible-bench-0001', files: [], sysctlKeys: [], restic: [] }) }, changed_when: false, failed_when: false }]
    : // Each task needs what the probe's prelude defines ($B, $T, $U, $H and the helpers the bodies call). The script goes in
      // `cmd`: the free-form string would go through Ansible's own argument splitting, which counts quotes inside shell comments.
      Object.entries(SECTION_BODIES).map(([name, body]) => ({
        name,
        'ansible.builtin.shell': { cmd: `B=OGB-ansible-bench-0001; T=$(mktemp -d); trap 'rm -rf "$T"' EXIT\n${PROBE_PRELUDE}\n${body}` },
        changed_when: false,
        failed_when: false,
      }));
  await writeFile(path.join(dir, 'inspect.yml'), stringify([{ hosts: 'fleet', gather_facts: false, become: true, tasks }]));
  const env = {
    ...process.env,
    ANSIBLE_FORKS: '20',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=60s',
    ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-tmp'),
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
  };
  try {
    const r = await timed(['ansible-playbook', '-i', path.join(dir, 'hosts.ini'), path.join(dir, 'inspect.yml')], env, dir);
    if (r.code !== 0 || /unreachable=[1-9]|failed=[1-9]/.test(r.output)) throw new Error(`ansible-playbook failed (${r.code}):\n${r.output.slice(-2000)}`);
    return { wall: r.wall, cpu: r.cpu, rssMb: r.rssMb!, note: onePlay ? 'whole probe as 1 task' : `${tasks.length} tasks` };
  } finally {
    // ControlPersist masters outlive ansible-playbook: ask each to exit through its socket.
    for (const s of await readdir(cp).catch(() => [] as string[])) await run('ssh', ['-o', `ControlPath=${path.join(cp, s)}`, '-O', 'exit', 'x']).catch(() => {});
    await rm(cp, { recursive: true, force: true });
  }
}

async function cli(root: string, fleet: RunningFleet): Promise<Measure> {
  // The real bin (`npx opsgate` without npx): its bundle is built by an earlier --version call, outside the figure.
  await timed([process.execPath, path.join(ROOT, 'scripts/bin/opsgate.mjs'), '--version'], { ...process.env }, ROOT);
  const r = await timed(
    [process.execPath, path.join(ROOT, 'scripts/bin/opsgate.mjs'), 'inspect', '--root', root, '--identity', fleet.clientKeyPath, '--concurrency', '200', '--format', 'json'],
    { ...process.env },
    ROOT,
  );
  if (r.code !== 1 && r.code !== 0) throw new Error(`opsgate inspect exited ${r.code}: ${r.output.slice(-1500)}`);
  return { wall: r.wall, cpu: r.cpu, rssMb: r.rssMb! };
}

async function measureFleet(n: number, withAnsible: boolean) {
  const t0 = performance.now();
  const fleet = await startFleet({ hosts: specs(n) });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'og-bench-'));
  try {
    process.stdout.write(`fleet of ${n} hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const root = await writeRepo(fleet);
    const key = await readFile(fleet.clientKeyPath, 'utf8');
    await floor(root, key); // warm-up: page cache, sshd first-connection costs
    await opensshFloor(fleet, root, dir);
    const fl = await floor(root, key);
    // Side by side, alternating, best of three each: the machine's noise hits both alike.
    const ossh: Measure[] = [];
    const clis: Measure[] = [];
    for (let i = 0; i < 3; i++) {
      ossh.push(await opensshFloor(fleet, root, dir));
      clis.push(await cli(root, fleet));
    }
    const best = (ms: Measure[]) => ms.reduce((a, b) => (b.wall < a.wall ? b : a));
    const ip = await inProcess(root, key);
    const an = withAnsible && hasAnsible ? await ansible(fleet, dir) : undefined;
    const an1 = withAnsible && hasAnsible ? await ansible(fleet, dir, true) : undefined;
    await rm(root, { recursive: true, force: true });
    return { hosts: n, floor: fl, openssh: best(ossh), opensshAll: ossh.map((m) => m.wall), opsgate: ip, cli: best(clis), cliAll: clis.map((m) => m.wall), ansible: an, ansibleOneTask: an1 };
  } finally {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const f = (m: Measure | undefined) =>
  m ? `${m.wall.toFixed(2).padStart(7)} s wall ${m.cpu.toFixed(2).padStart(7)} s CPU${m.rssMb ? `  ${String(m.rssMb).padStart(5)} MiB peak RSS` : ''}` : 'skipped';

const loadBefore = os.loadavg();
const small = await measureFleet(N, true);
const large = LARGE > 0 ? await measureFleet(LARGE, false) : undefined;
// /proc counts in 10 ms ticks, so one probe's figure is coarse; the mean over the hosts is the finer estimate.
const mean = (xs: number[]) => {
  const v = xs.filter(Number.isFinite);
  return v.reduce((a, b) => a + b, 0) / v.length;
};
const cpuLine = (r: { opsgate: { hostCpuMs: number[] } }) =>
  `  host-side CPU per probe (probe shell + children, /proc on the host, 10 ms ticks): mean ${mean(r.opsgate.hostCpuMs).toFixed(1)} ms, median ${median(r.opsgate.hostCpuMs).toFixed(0)} ms, max ${Math.max(...r.opsgate.hostCpuMs.filter(Number.isFinite)).toFixed(0)} ms (target ≤ 40 ms)`;
const ratio = (r: { cli: Measure; openssh: Measure }) => r.cli.wall / r.openssh.wall;
const lines = [
  '',
  `opsgate inspect benchmark — ${os.cpus().length} CPUs, Node ${process.version}; probe = the sample baselines' sections + files + sysctl in one exec per host`,
  `machine load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} — figures on a busy machine are slower for every tool`,
  '',
  `${N} hosts:`,
  `  same probe, ${N} parallel OpenSSH clients   ${f(small.openssh)}   (runs: ${small.opensshAll.map((x) => x.toFixed(2)).join(', ')} s)`,
  `  opsgate inspect (CLI, fresh process)   ${f(small.cli)}   (runs: ${small.cliAll.map((x) => x.toFixed(2)).join(', ')} s)`,
  `  ratio opsgate CLI / OpenSSH clients = ${ratio(small).toFixed(2)}× (target ≤ 1.05×)`,
  cpuLine(small),
  `  floor (connect+auth+true, in-process)  ${f(small.floor)}`,
  `  opsgate probe+evaluate (in-process)    ${f(small.opsgate)}   (${small.opsgate.rows} rows)`,
  ...(small.ansible
    ? [
        `  ansible-playbook (forks=20, pipelining, ControlPersist, ${small.ansible.note})  ${f(small.ansible)}`,
        `  ansible-playbook, the same probe script as 1 shell task              ${f(small.ansibleOneTask)}`,
        `  ansible / opsgate CLI = ${(small.ansible.wall / small.cli.wall).toFixed(1)}× wall, ${(small.ansible.cpu / small.cli.cpu).toFixed(1)}× CPU`,
      ]
    : ['  ansible-playbook: not installed, skipped']),
  ...(large
    ? [
        '',
        `${LARGE} hosts:`,
        `  same probe, ${LARGE} parallel OpenSSH clients  ${f(large.openssh)}   (runs: ${large.opensshAll.map((x) => x.toFixed(2)).join(', ')} s)`,
        `  opsgate inspect (CLI, fresh process)   ${f(large.cli)}   (runs: ${large.cliAll.map((x) => x.toFixed(2)).join(', ')} s)`,
        `  ratio opsgate CLI / OpenSSH clients = ${ratio(large).toFixed(2)}× (target ≤ 0.8×)`,
        cpuLine(large),
        `  floor (in-process)                     ${f(large.floor)}`,
        `  opsgate probe+evaluate (in-process)    ${f(large.opsgate)}   (${large.opsgate.rows} rows)`,
      ]
    : []),
  '',
];
process.stdout.write(lines.join('\n'));
await mkdir(path.join(ROOT, '.tmp'), { recursive: true });
await writeFile(path.join(ROOT, '.tmp', 'bench-inspect.json'), JSON.stringify({ at: new Date().toISOString(), loadBefore, loadAfter: os.loadavg(), small, large }, null, 2));
