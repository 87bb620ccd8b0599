import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { UsageError } from '../../scripts/model/errors.ts';
import { loadSshAuth } from '../../scripts/ssh/fleet.ts';

/**
 * An identity (--identity FILE or $OPSGATE_SSH_KEY) that is no private key is unusable input: exit 2
 * naming where it came from, before any connection (handed to ssh2 it made every socket fail with an
 * unhandled ECONNRESET). The key's text never appears in the message.
 */
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-identity-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'good')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-passphrase', '-f', path.join(tmp, 'locked')]);
  writeFileSync(path.join(tmp, 'garbage'), 'not-a-key-SENTINEL-4711\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the SSH identity', () => {
  it('reads a real key, and an encrypted one with its passphrase', async () => {
    expect((await loadSshAuth({ identityFile: path.join(tmp, 'good'), env: {} })).auth.privateKey).toContain('PRIVATE KEY');
    const locked = await loadSshAuth({ identityFile: path.join(tmp, 'locked'), env: { OPSGATE_SSH_KEY_PASSPHRASE: 'secret-passphrase' } });
    expect(locked.secrets).toContain('secret-passphrase');
  });

  it.each([
    ['a file that is no key', () => ({ identityFile: path.join(tmp, 'garbage'), env: {} }), /garbage is not a private key opsgate can use/],
    ['an encrypted key without its passphrase', () => ({ identityFile: path.join(tmp, 'locked'), env: {} }), /locked is not a private key opsgate can use: .*passphrase/i],
    ['$OPSGATE_SSH_KEY that is no key', () => ({ env: { OPSGATE_SSH_KEY: 'not-a-key-SENTINEL-4711' } }), /\$OPSGATE_SSH_KEY is not a private key/],
  ])('refuses %s as unusable input, without printing it', async (_what, input, message) => {
    const err = await loadSshAuth(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('SENTINEL');
  });

  it('opsgate inspect --identity GARBAGE exits 2 before connecting anywhere', async () => {
    let stderr = '';
    const sink = (f?: (s: string) => void) => ({ write: (s: string) => (f?.(String(s)), true) }) as unknown as NodeJS.WritableStream;
    const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
    const code = await runCli(['inspect', '--identity', path.join(tmp, 'garbage'), '--hosts', 'app-01', '--connect-timeout', '2'], {
      env: {},
      stdout: sink(),
      stderr: sink((s) => (stderr += s)),
      cwd: root,
    });
    expect(stderr).toMatch(/garbage is not a private key opsgate can use/);
    expect(code).toBe(2);
    expect(stderr).not.toContain('SENTINEL');
    expect(readFileSync(path.join(tmp, 'garbage'), 'utf8')).toContain('SENTINEL');
  });
});
