/**
 * Backups the way a host takes them: over SSH, as root on the host itself, with
 * restic reading the host's own files (its /mnt tmpfs) into a repository on the
 * shared disk (the off-host store every host and the restore host reach). Uses
 * the same restic edge module as opsgate (password on stdin).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { toSshTarget } from '../../scripts/inspect/runner.ts';
import type { InventoryHost } from '../../scripts/inspect/model.ts';
import { passwordStdin, renderRestic } from '../../scripts/backup/restic.ts';
import { openFleet, type Fleet } from '../../scripts/ssh/fleet.ts';
import type { RunningFleet } from '../fleet/fleet.ts';

export interface HostBackups {
  host: string;
  repository: string;
  policy: string;
  /** Files written under the host's /mnt before the first backup: relative path → content. */
  files: Record<string, string | Buffer>;
  /** Snapshot times. */
  times: Date[];
}

/** restic reads `--time` in the local zone: the backups run with TZ=UTC, so this UTC text is the instant meant, on a machine in any zone. */
const resticTime = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);

export async function withFleetSessions<T>(fleet: RunningFleet, fn: (f: Fleet) => Promise<T>): Promise<T> {
  const inventory = new Map(fleet.hosts.map((h) => [h.id, h as unknown as InventoryHost]));
  const { readFile } = await import('node:fs/promises');
  const f = openFleet(
    [...inventory.values()].map((h) => toSshTarget(h, inventory)),
    { auth: { privateKey: await readFile(fleet.clientKeyPath, 'utf8') }, connectTimeoutMs: 20_000 },
  );
  try {
    return await fn(f);
  } finally {
    await f.close();
  }
}

async function ok(p: Promise<{ code: number | null; stderr: string; stdout: string }>, what: string) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.slice(-500)}`);
  return r;
}

/** Writes each host's files, initialises each repository once and takes the snapshots, in order. */
export async function takeBackups(fleet: RunningFleet, password: string, plans: HostBackups[]): Promise<void> {
  const initialised = new Set<string>();
  await withFleetSessions(fleet, async (f) => {
    for (const b of plans) {
      const s = await f.session(b.host);
      for (const [rel, content] of Object.entries(b.files)) {
        const dest = path.posix.join('/mnt', rel);
        await ok(s.exec(['sudo', '-n', '--', 'sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'put', dest], { stdin: content }), `writing ${dest} on ${b.host}`);
      }
      const target = { repository: b.repository, passwordEnv: 'UNUSED' };
      if (!initialised.has(b.repository)) {
        const init = renderRestic(target, 'init', []);
        await ok(s.exec(['sudo', '-n', '--', ...init.argv], { stdin: passwordStdin(password), timeoutMs: 60_000 }), `restic init ${b.repository}`);
        initialised.add(b.repository);
      }
      for (const t of b.times) {
        const roots = [...new Set(Object.keys(b.files).map((rel) => path.posix.join('/mnt', rel.split('/')[0]!)))];
        const backup = renderRestic(target, 'backup', [`--host=${b.host}`, `--tag=${b.policy}`, `--time=${resticTime(t)}`, ...roots]);
        await ok(s.exec(['sudo', '-n', '--', 'env', 'TZ=UTC', ...backup.argv], { stdin: passwordStdin(password), timeoutMs: 60_000 }), `restic backup on ${b.host}`);
      }
    }
  });
}

/** Overwrites bytes in the middle of the repository's largest pack file (its data): `restic check --read-data` must notice. */
export function corruptLargestPack(repository: string): string {
  const files: Array<{ file: string; size: number }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push({ file: p, size: statSync(p).size });
    }
  };
  walk(path.join(repository, 'data'));
  const largest = files.sort((a, b) => b.size - a.size)[0]!;
  execFileSync('chmod', ['u+w', largest.file]);
  execFileSync('dd', ['if=/dev/urandom', `of=${largest.file}`, 'bs=1', 'count=64', `seek=${Math.floor(largest.size / 2)}`, 'conv=notrunc'], { stdio: 'ignore' });
  return largest.file;
}
