/** Logging in to a fleet host with the OpenSSH client, as anyone holding a key (or a key and its certificate) could. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunningFleet } from '../fleet/fleet.ts';

const run = promisify(execFile);

/** True when `user` logs in to `host` with the private key at `key` (and `key-cert.pub` beside it, if any) and runs a command. */
export async function sshLogsIn(fleet: RunningFleet, host: string, user: string, key: string): Promise<boolean> {
  const h = fleet.hosts.find((x) => x.id === host);
  if (!h) throw new Error(`no fleet host ${host}`);
  const opts = ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', `ProxyCommand=${h.proxy_command!.join(' ')}`];
  const r = await run('ssh', ['-i', key, ...opts.flatMap((o) => ['-o', o]), `${user}@${host}`, 'echo', 'in'], { timeout: 20_000 }).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? '',
  }));
  return r.stdout.trim() === 'in';
}
