/**
 * npm run bench:converge-backup — `opsgate converge backup` of one policy on
 * N test-fleet hosts (the real command, in process: repository read, policy
 * validation, host locks, the all-or-nothing host script with its checks,
 * fsync'ed records), side by side with hand-run OpenSSH doing the same file
 * writes: one `ssh` client per host, all in parallel (ProxyCommand, pinned
 * host key), running `sudo -n sh -s` with a script that writes the same four
 * files with the same modes, each through a temporary name. A second hand-run
 * also opens the repository (`restic cat config`), as converge does before it
 * writes. Each round starts from hosts without the files; median of
 * BENCH_RUNS (3). Then a converge with nothing to change. Needs root.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { commands } from '../commands/index.ts';
import type { CommandContext } from '../commands/context.ts';
import type { BackupPolicyDocument } from '../model/documents.generated.ts';
import { planBackupHost } from '../converge/backup-plan.ts';
import { quoteArg } from '../ssh/quote.ts';
import { startFleet, type RunningFleet } from '../../test/fleet/fleet.ts';
import { makeRepo } from '../../test/change/harness.ts';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PASSWORD = 'bench-password-not-a-secret';
const TZ = 'Asia/Shanghai';

const policy = (repos: string) => ({
  id: 'db',
  title: 'db',
  targets: { groups: ['db'] },
  paths: ['/home/opsgate/data'],
  tool: 'restic',
  repository: { url: path.join(repos, 'db'), password_env: 'RESTIC_PASSWORD_DB' },
  offhost: { host: 'backup' },
  encryption: true,
  schedule: { full: '0 2 * * 0', incremental: '0 2 * * 1-6' },
  retention: { keep_daily: 14, keep_weekly: 8 },
  rpo_hours: 24,
  rto_hours: 4,
  verification: { restore_test_every_days: 30 },
  hooks: { pre: [{ id: 'dump', kind: 'run', argv: ['sh', '-c', 'echo dump'], stdout: '/home/opsgate/dump.sql' }], post: [{ id: 'clean', kind: 'remove', path: '/home/opsgate/dump.sql' }] },
});

function run(argv: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, out, err }));
    c.stdin.end(input ?? '');
  });
}

/** The hand-run script: the same files, modes and owner, each written to a temporary name and renamed; optionally the repository opened after. */
function handScript(files: ReadonlyArray<{ path: string; mode: string; content: string }>, checkRepo: boolean): string {
  const lines = ['set -e', 'umask 077', 'install -d -m 0700 /etc/opsgate/backup /var/lib/opsgate/backup'];
  for (const f of files)
    lines.push(
      `printf %s ${Buffer.from(f.content).toString('base64')} | base64 -d > ${quoteArg(f.path)}.new && chmod ${f.mode} ${quoteArg(f.path)}.new && chown 0:0 ${quoteArg(f.path)}.new && mv -f ${quoteArg(f.path)}.new ${quoteArg(f.path)}`,
    );
  if (checkRepo) lines.push('( set -a; . /etc/opsgate/backup/db.env; set +a; exec restic --no-cache cat config ) >/dev/null');
  return lines.join('\n') + '\n';
}

async function clean(fleet: RunningFleet): Promise<void> {
  for (const h of fleet.hosts) {
    await rm(path.join(fleet.dir, h.id, 'etc-opsgate', 'backup'), { recursive: true, force: true });
    await rm(path.join(fleet.dir, h.id, 'cron.d', 'opsgate-backup-db'), { force: true });
  }
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(c, _e, cb) {
        chunks.push(Buffer.from(c));
        cb();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

async function main(): Promise<void> {
  const ids = Array.from({ length: HOSTS }, (_, i) => `bk-${String(i + 1).padStart(2, '0')}`);
  const t0 = performance.now();
  const fleet = await startFleet({ mutates: true, hosts: ids.map((id) => ({ id, groups: ['db'] })) });
  const repo = await makeRepo(fleet);
  process.stdout.write(
    `fleet: ${HOSTS} sshd hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
  );
  try {
    const repos = path.join(fleet.dir, 'repos');
    await mkdir(repos, { recursive: true });
    const init = await run(['sh', '-c', 'RESTIC_PASSWORD="$1" exec restic --repo "$2" init', 'sh', PASSWORD, path.join(repos, 'db')]);
    if (init.code !== 0) throw new Error(`restic init: ${init.err}`);
    const doc = policy(repos);
    await repo.write('inventory/groups/db.yaml', { id: 'db', title: 'db', owners: [] });
    await repo.write('policies/backup/db.yaml', doc);
    repo.commit('backup policy');

    const known = path.join(fleet.dir, 'bench-known_hosts');
    await writeFile(known, fleet.hosts.map((h) => `${h.id} ${h.host_keys[0]}`).join('\n') + '\n');
    const sshArgv = (h: RunningFleet['hosts'][number]) => [
      'ssh',
      '-F',
      '/dev/null',
      '-T',
      '-i',
      fleet.clientKeyPath,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      `ProxyCommand=${h.proxy_command!.join(' ')}`,
      '-o',
      `HostKeyAlias=${h.id}`,
      '-o',
      `UserKnownHostsFile=${known}`,
      '-o',
      'StrictHostKeyChecking=yes',
      `${h.user}@127.0.0.1`,
      'sudo',
      '-n',
      'sh',
      '-s',
    ];
    const rendered = new Map(
      fleet.hosts.map((h) => {
        const p = planBackupHost({ id: h.id, data: { groups: ['db'] } }, [doc as unknown as BackupPolicyDocument], TZ, () => PASSWORD)[0]!;
        return [h.id, [...p.common, ...p.cron]] as const;
      }),
    );
    const hand = async (checkRepo: boolean) => {
      const s = performance.now();
      await Promise.all(
        fleet.hosts.map(async (h) => {
          const r = await run(sshArgv(h), handScript(rendered.get(h.id)!, checkRepo));
          if (r.code !== 0) throw new Error(`hand-run on ${h.id}: exit ${r.code}: ${r.err}`);
        }),
      );
      return performance.now() - s;
    };
    const converge = async () => {
      const out = sink();
      const err = sink();
      const ctx: CommandContext = {
        argv: ['backup', '--identity', fleet.clientKeyPath, '--concurrency', String(HOSTS)],
        root: repo.root,
        env: { PATH: process.env.PATH, RESTIC_PASSWORD_DB: PASSWORD },
        stdout: out.stream,
        stderr: err.stream,
        now: () => new Date(),
        debug: false,
      };
      const s = performance.now();
      const code = await (await commands.converge!.load())(ctx);
      const ms = performance.now() - s;
      if (code !== 0) throw new Error(`converge backup: exit ${code}\n${out.text()}${err.text()}`);
      return { ms, out: out.text() };
    };

    const rounds: Array<{ hand: number; handCheck: number; og: number; again: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      await clean(fleet);
      const a = await hand(false);
      await clean(fleet);
      const b = await hand(true);
      await clean(fleet);
      const c = await converge();
      if (!c.out.includes('wrote /etc/opsgate/backup/db.env')) throw new Error('converge wrote nothing');
      const d = await converge();
      if (!d.out.includes('nothing changed')) throw new Error(`the second converge changed something:\n${d.out}`);
      rounds.push({ hand: a, handCheck: b, og: c.ms, again: d.ms });
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const m = { hand: median(rounds.map((r) => r.hand)), handCheck: median(rounds.map((r) => r.handCheck)), og: median(rounds.map((r) => r.og)), again: median(rounds.map((r) => r.again)) };
    const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    const per = (ms: number) => `${(ms / HOSTS).toFixed(1)} ms`;
    process.stdout.write(`\n${HOSTS} hosts, one policy (4 files per host), median of ${RUNS} rounds\n`);
    process.stdout.write(`${''.padEnd(52)}${'wall'.padEnd(12)}wall ÷ hosts\n`);
    for (const [name, ms] of [
      ['hand-run OpenSSH, the same file writes', m.hand],
      ['hand-run OpenSSH, writes + restic cat config', m.handCheck],
      ['opsgate converge backup (installs)', m.og],
      ['opsgate converge backup (nothing to change)', m.again],
    ] as const)
      process.stdout.write(`${name.padEnd(52)}${s(ms).padEnd(12)}${per(ms)}\n`);
    const ratio = m.og / m.hand;
    process.stdout.write(`\nconverge / hand-run writes: ${ratio.toFixed(2)}× (target ≤ 1.2×): ${ratio <= 1.2 ? 'met' : 'MISSED'}; overhead per host ${((m.og - m.hand) / HOSTS).toFixed(1)} ms\n`);
    process.stdout.write(`converge / hand-run writes + repository check: ${(m.og / m.handCheck).toFixed(2)}×\n`);
    process.stdout.write(
      `load average after: ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
    );
  } finally {
    await fleet.stop();
    await repo.cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench:converge-backup failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
