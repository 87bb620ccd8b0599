import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FleetHostSpec } from './spec.ts';

/**
 * The fallback without root: one sshd per host on a loopback port, running as the
 * current user, logging in as the current user. Connection-level behaviour differs per
 * host (host keys, refused client key, a host that is down, a hanging or garbage command
 * via ForceCommand), but every fact the probe reads comes from the one machine: sshd -T
 * reads /etc/ssh/sshd_config, and sockets, accounts, files, sysctl, disks and packages are
 * shared, so drift cannot be planted per host. Tests that need drift skip in this mode.
 */
export const LOOPBACK_LIMITATION =
  "without root the fleet runs sshd on loopback ports: sshd_config (as sshd -T reads it), listening ports, accounts, authorized_keys, sudoers, file modes, sysctl, disks and packages are the machine's own and cannot differ per host";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function launchLoopbackSshd(hdir: string, spec: FleetHostSpec, port: number, clientPublicKey: string): Promise<ChildProcess | undefined> {
  const user = os.userInfo().username;
  await mkdir(hdir, { recursive: true });
  await writeFile(path.join(hdir, 'authorized_keys'), spec.fault === 'refused-key' ? '' : clientPublicKey + '\n', { mode: 0o600 });
  const force = spec.fault === 'hang' ? ['ForceCommand sleep 60'] : spec.fault === 'garbage' ? ['ForceCommand echo "Welcome to the jungle"'] : [];
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${path.join(hdir, 'ssh_host_ed25519_key')}`,
    // Each host's own PidFile (not the machine's /run/sshd.pid): the trace of its reloads (ssh.config-loaded).
    `PidFile ${path.join(hdir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(hdir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `AllowUsers ${user}`,
    'MaxStartups 200:30:400',
    ...force,
  ];
  await writeFile(path.join(hdir, 'sshd_config'), config.join('\n') + '\n');
  if (spec.fault === 'down') return undefined;
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(hdir, 'sshd_config')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd for ${spec.id} did not start: ${log.slice(-400)}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
      if (log.includes('Server listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`sshd for ${spec.id} exited (${c}): ${log.slice(-400)}`));
    });
  });
  child.removeAllListeners('exit');
  child.unref();
  return child;
}
