/**
 * npm run bench:inspect-profile — where the probe's host-side CPU goes, section by section.
 *
 * Starts real fleet hosts (a plain one like bench:inspect's, and one with Match blocks, several
 * login accounts and sudo includes), then runs the sample baselines' probe on each under
 * `perf stat -e task-clock` (the probe shell and every process it forks), over one OpenSSH
 * ControlMaster connection per host: the whole probe, each section alone, and an empty probe.
 * Prints the median of --runs N (default 9) per variant and the processes each forks (perf's
 * sched:sched_process_fork count). --full-only measures only the whole probe; --by-command adds
 * where the whole probe's CPU goes by process name (perf record). Needs root and perf.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadInspection } from '../inspect/load.ts';
import { probeNeeds } from '../inspect/evaluate.ts';
import { buildProbeScript } from '../inspect/probe.ts';
import { startFleet, type FleetHostSpec, type RunningFleet } from '../../test/fleet/fleet.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('--runs', 9);
const ONLY_FULL = process.argv.includes('--full-only');
/** --before DIR: a copy of an earlier scripts/inspect (with ../ssh/quote.ts beside it); its whole probe is measured too, alternating. */
const BEFORE = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1] : undefined;

const HOSTS: FleetHostSpec[] = [
  { id: 'plain', groups: ['web'] },
  {
    id: 'match',
    groups: ['web'],
    accounts: [
      { name: 'deploy', uid: 2001, groups: ['sudo'] },
      { name: 'alice', uid: 2002 },
      { name: 'bob', uid: 2003 },
      { name: 'carol', uid: 2004 },
      { name: 'svc', uid: 2005, shell: '/usr/sbin/nologin' },
    ],
    sshd: { match: ['Match User deploy', '  PasswordAuthentication yes', 'Match Address 10.0.0.0/8', '  PermitRootLogin prohibit-password', 'Match Group sudo', '  X11Forwarding yes'] },
    sudoers: ['deploy ALL=(root) NOPASSWD: /usr/bin/systemctl', '%sudo ALL=(ALL) ALL'],
  },
];

function ssh(fleet: RunningFleet, hostId: string, dir: string, command: string, stdin: string): Promise<{ code: number; out: string; err: string }> {
  const h = fleet.hosts.find((x) => x.id === hostId)!;
  return new Promise((resolve) => {
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
        `UserKnownHostsFile=${path.join(dir, 'known')}`,
        '-o',
        `HostKeyAlias=${h.id}`,
        '-o',
        `ProxyCommand=${h.proxy_command!.join(' ')}`,
        '-o',
        'LogLevel=ERROR',
        '-o',
        'ControlMaster=auto',
        '-o',
        `ControlPath=${path.join(dir, `cm-${h.id}`)}`,
        '-o',
        'ControlPersist=120',
        `${h.user}@${h.address}`,
        command,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)]!;
};

/** task-clock (ms) of `sh -s` and its children, and the number of processes it forked (perf's sched_process_fork count). */
async function measure(fleet: RunningFleet, host: string, dir: string, script: string): Promise<{ ms: number; forks: number }> {
  const r = await ssh(fleet, host, dir, 'sudo -n perf stat -x, -e task-clock,sched:sched_process_fork -o /dev/stderr sh -s >/dev/null', script);
  const ms = Number(/^([\d.]+),msec,task-clock/m.exec(r.err)?.[1]);
  const forks = Number(/^(\d+),,sched:sched_process_fork/m.exec(r.err)?.[1]);
  if (!Number.isFinite(ms)) throw new Error(`perf on ${host}: ${r.err.slice(0, 500)}`);
  return { ms, forks };
}

const fleet = await startFleet({ hosts: HOSTS });
const dir = await mkdtemp(path.join(os.tmpdir(), 'og-prof-'));
try {
  await writeFile(path.join(dir, 'known'), fleet.hosts.map((h) => `${h.id} ${h.host_keys[0]}`).join('\n') + '\n');
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-prof-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await cp(path.join(ROOT, 'policies', 'baselines'), path.join(root, 'policies', 'baselines'), { recursive: true });
  await fleet.writeInventory(root);
  const loaded = await loadInspection(root, { hosts: [], groups: [], baselines: [] });
  const needs = probeNeeds(loaded.baselines);
  await rm(root, { recursive: true, force: true });
  const boundary = 'OGB-profile-0000000001';
  const variants: Array<[string, string]> = [
    ['whole probe', buildProbeScript({ boundary, sections: needs.sections, files: needs.files, sysctlKeys: needs.sysctlKeys, restic: [] })],
    ...(BEFORE
      ? [
          [
            'whole probe, before',
            ((await import(path.resolve(BEFORE, 'probe.ts'))) as { buildProbeScript: typeof buildProbeScript }).buildProbeScript({
              boundary,
              sections: needs.sections,
              files: needs.files,
              sysctlKeys: needs.sysctlKeys,
              restic: [],
            }),
          ] as [string, string],
        ]
      : []),
    ...(ONLY_FULL
      ? []
      : [
          ['(empty probe)', buildProbeScript({ boundary, sections: [], files: [], sysctlKeys: [], restic: [] })] as [string, string],
          ...needs.sections.map((s) => [s, buildProbeScript({ boundary, sections: [s], files: [], sysctlKeys: [], restic: [] })] as [string, string]),
          ['files', buildProbeScript({ boundary, sections: [], files: needs.files, sysctlKeys: [], restic: [] })] as [string, string],
          ['sysctl-running', buildProbeScript({ boundary, sections: [], files: [], sysctlKeys: needs.sysctlKeys, restic: [] })] as [string, string],
        ]),
  ];
  if (process.argv.includes('--by-command')) {
    // Where the whole probe's CPU goes, by process name: perf record (a sample per 0.05 ms of task-clock) of RUNS probes.
    for (const h of HOSTS) {
      const per = new Map<string, number>();
      for (let i = 0; i < RUNS; i++) {
        await ssh(fleet, h.id, dir, `sudo -n perf record -q -e task-clock -c 50000 -o /tmp/og-prof-${h.id}.data sh -s >/dev/null 2>&1`, variants[0]![1]);
        const r = await ssh(fleet, h.id, dir, `sudo -n perf report -q -n -i /tmp/og-prof-${h.id}.data --sort comm --stdio 2>/dev/null; sudo -n rm -f /tmp/og-prof-${h.id}.data`, '');
        for (const m of r.out.matchAll(/^\s*[\d.]+%\s+(\d+)\s+(\S+)/gm)) per.set(m[2]!, (per.get(m[2]!) ?? 0) + Number(m[1]));
      }
      process.stdout.write(
        `${h.id}: ms per probe by command — ${[...per]
          .sort((x, y) => y[1] - x[1])
          .map(([c, n]) => `${c} ${((n * 0.05) / RUNS).toFixed(1)}`)
          .join(', ')}\n`,
      );
    }
  }
  const lines = [
    `probe host-side CPU, perf task-clock of sh -s and its children, median of ${RUNS}; load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
    '',
  ];
  lines.push(`${'variant'.padEnd(20)} ${HOSTS.map((h) => `${h.id} ms  forks`.padStart(18)).join(' ')}`);
  // Variants alternate run by run, so the machine's load at any moment hits each alike.
  const ms = variants.map(() => HOSTS.map(() => [] as number[]));
  const forks = variants.map(() => HOSTS.map(() => 0));
  for (const [hi, h] of HOSTS.entries()) {
    for (let i = 0; i < RUNS; i++) {
      for (const [vi, [, script]] of variants.entries()) {
        const m = await measure(fleet, h.id, dir, script);
        ms[vi]![hi]!.push(m.ms);
        forks[vi]![hi] = m.forks;
      }
    }
  }
  for (const [vi, [name]] of variants.entries()) {
    lines.push(`${name.padEnd(20)} ${HOSTS.map((_, hi) => `${median(ms[vi]![hi]!).toFixed(1).padStart(10)} ${String(forks[vi]![hi]).padStart(6)}`.padStart(18)).join(' ')}`);
    process.stdout.write(lines[lines.length - 1] + '\n');
  }
  await writeFile(path.join(ROOT, '.tmp', 'bench-inspect-profile.txt'), lines.join('\n') + '\n').catch(() => {});
} finally {
  for (const h of fleet.hosts) await ssh(fleet, h.id, dir, '', '').catch(() => {});
  await new Promise<void>((resolve) => {
    const c = spawn('sh', ['-c', `for s in ${dir}/cm-*; do ssh -o ControlPath=$s -O exit x 2>/dev/null; done`]);
    c.on('close', () => resolve());
  });
  await fleet.stop();
  await rm(dir, { recursive: true, force: true });
}
