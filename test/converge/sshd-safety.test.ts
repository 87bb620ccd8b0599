import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { sshdSettingProblem } from '../../scripts/converge/sshd-safety.ts';
import { CLIENT_ALGORITHMS } from '../../scripts/ssh/client-algorithms.ts';

const host = { user: 'opsgate', isJumpHost: false, hostKeyTypes: ['ssh-ed25519'] };

describe('sshd settings opsgate could not survive', () => {
  it.each<[string, string, Partial<typeof host>, RegExp | undefined]>([
    ['kexalgorithms', 'sntrup761x25519-sha512@openssh.com', {}, /no algorithm opsgate's SSH client/],
    ['KexAlgorithms', 'diffie-hellman-group1-sha1,sntrup761x25519-sha512@openssh.com', {}, /no algorithm/],
    ['kexalgorithms', 'curve25519-sha256,sntrup761x25519-sha512@openssh.com', {}, undefined],
    ['kexalgorithms', '-curve25519*,ecdh-*,diffie-hellman-*', {}, /no algorithm/],
    ['kexalgorithms', '+diffie-hellman-group1-sha1', {}, undefined],
    ['ciphers', 'aes128-cbc', {}, /no algorithm/],
    ['macs', 'umac-128-etm@openssh.com', {}, /no algorithm/],
    ['macs', 'hmac-sha2-512-etm@openssh.com', {}, undefined],
    ['hostkeyalgorithms', 'rsa-sha2-512', {}, /host keys pinned/],
    ['hostkeyalgorithms', 'rsa-sha2-512,ssh-ed25519', {}, undefined],
    ['pubkeyacceptedkeytypes', 'sk-ssh-ed25519@openssh.com', {}, /no algorithm/],
    ['permitrootlogin', 'no', { user: 'root' }, /refuses the login user root/],
    ['permitrootlogin', 'no', {}, undefined],
    ['permitrootlogin', 'prohibit-password', { user: 'root' }, undefined],
    ['pubkeyauthentication', 'no', {}, /refuses the key/],
    ['maxsessions', '1', {}, /two sessions/],
    ['allowtcpforwarding', 'no', { isJumpHost: true }, /jump host/],
    ['allowtcpforwarding', 'no', {}, undefined],
  ])('%s %s (%j)', (keyword, value, facts, want) => {
    const p = sshdSettingProblem(keyword, value, { ...host, ...facts });
    if (want) expect(p).toMatch(want);
    else expect(p).toBeUndefined();
  });

  it("holds ssh2's own default lists (the client really offers these)", () => {
    const c = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Record<string, string[]>;
    expect(CLIENT_ALGORITHMS.kex).toEqual(c.DEFAULT_KEX);
    expect(CLIENT_ALGORITHMS.cipher).toEqual(c.DEFAULT_CIPHER);
    expect(CLIENT_ALGORITHMS.mac).toEqual(c.DEFAULT_MAC);
    expect(CLIENT_ALGORITHMS.serverHostKey).toEqual(c.DEFAULT_SERVER_HOST_KEY);
  });
});
