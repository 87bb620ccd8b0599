import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Generates an unencrypted OpenSSH key pair with ssh-keygen; returns the paths and the public key line. */
export async function generateKeyPair(file: string, type: 'ed25519' | 'rsa' = 'ed25519', comment = 'opsgate-test'): Promise<{ privatePath: string; publicKey: string }> {
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', comment, '-f', file]);
  return { privatePath: file, publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

/** `type base64` without the comment, as the inventory pins it. */
export function pinOf(publicKey: string): string {
  return publicKey.split(/\s+/).slice(0, 2).join(' ');
}
