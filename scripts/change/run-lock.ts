/**
 * One run per change on this machine: an exclusively created lock file naming
 * our pid; a lock whose pid is gone is taken over. Edge.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type RunLock = { ok: true; release: () => Promise<void> } | { ok: false; owner: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireRunLock(root: string, change: string, dir = path.join(os.tmpdir(), 'opsgate-locks')): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16)}-${change}.lock`);
  const body = JSON.stringify({ pid: process.pid, change, since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, body, { flag: 'wx' });
      return { ok: true, release: () => rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const text = await readFile(file, 'utf8').catch(() => '');
      let owner: { pid?: number; since?: string } = {};
      try {
        owner = JSON.parse(text) as typeof owner;
      } catch {
        /* unreadable: treat as stale */
      }
      if (owner.pid && alive(owner.pid)) return { ok: false, owner: `process ${owner.pid} since ${owner.since ?? '?'}` };
      await rm(file, { force: true });
    }
  }
  return { ok: false, owner: 'another process (the lock was taken while we retried)' };
}
