import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, hostKeyAlgorithms, parsePinnedKey } from '../../scripts/ssh/host-key.ts';
import { assertOperand, quoteArg, quoteArgv } from '../../scripts/ssh/quote.ts';
import { redactDeep, redactSecrets } from '../../scripts/ssh/redact.ts';

describe('quoteArgv', () => {
  const hostile = ["it's", '$(id)', '`id`', '${HOME}', 'a b', '\t\n', ';|&<>', '"', '\\', '*?[a]', '~root', '', '-n', '中文', "''", "'\\''"];
  it.each(hostile)('round-trips %j through a real POSIX sh', (arg) => {
    const out = execFileSync('sh', ['-c', `printf '%s\\0' ${quoteArgv([arg, 'end'])}`]);
    expect(out.toString('utf8').split('\0').slice(0, 2)).toEqual([arg, 'end']);
  });
  it('leaves plain words bare and quotes everything else', () => {
    expect(quoteArgv(['systemctl', 'restart', 'nginx.service'])).toBe('systemctl restart nginx.service');
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg('')).toBe("''");
  });
  it('refuses NUL bytes, empty argv and option-looking operands', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(() => quoteArgv([])).toThrow(/empty/);
    expect(() => assertOperand('--help', 'path')).toThrow(/option/);
    expect(assertOperand('/etc/passwd', 'path')).toBe('/etc/passwd');
  });
});

describe('redactSecrets', () => {
  it.each([
    ['known value', 'password is hunter2hunter2 ok', ['hunter2hunter2'], 'password is *** ok'],
    ['private key block', 'x -----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY----- y', [], 'x *** y'],
    ['GitHub token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123 used', [], 'token *** used'],
    ['assignment', "RESTIC_PASSWORD='s3cr3t pass' restic", [], 'RESTIC_PASSWORD=*** restic'],
    ['short values are not secrets', 'a b c', ['a'], 'a b c'],
  ])('%s', (_n, text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });
  it('redacts inside nested values', () => {
    expect(redactDeep({ a: ['xx topsecret xx'], b: 3 }, ['topsecret'])).toEqual({ a: ['xx *** xx'], b: 3 });
  });
});

describe('pinned host keys', () => {
  const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILvGhb3Xc3LdmSZEy314LOC8to8VhKetmmEkVbhUK4xz';
  it('parses a pin and computes the OpenSSH SHA256 fingerprint', () => {
    const k = parsePinnedKey(pub);
    expect('error' in k).toBe(false);
    if ('error' in k) return;
    expect(k.fingerprint).toBe(fingerprintOf(k.blob));
    expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(hostKeyAlgorithms([k])).toEqual(['ssh-ed25519']);
  });
  it('matches ssh-keygen -l', () => {
    const out = execFileSync('sh', ['-c', `printf '%s\\n' '${pub}' | ssh-keygen -lf -`]).toString();
    const k = parsePinnedKey(pub);
    expect(out).toContain((k as { fingerprint: string }).fingerprint);
  });
  it.each([
    ['ssh-ed25519', /not '<type> <base64>'/],
    ['ssh-foo AAAA', /unsupported host key type/],
    ['ssh-ed25519 !!!!', /not base64/],
    ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAILvGhb3Xc3LdmSZEy314LOC8to8VhKetmmEkVbhUK4xz', /does not encode a 'ssh-rsa' key/],
  ])('rejects %j', (text, message) => {
    const k = parsePinnedKey(text);
    expect('error' in k && k.error).toMatch(message);
  });
});
