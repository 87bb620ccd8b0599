/**
 * What opsgate's SSH client (ssh2, with its default algorithm lists) offers,
 * so a setting it could not negotiate is refused before a host is changed
 * (scripts/converge/sshd-safety.ts). Kept as data so planning does not load
 * ssh2; test/ssh/client-algorithms.test.ts fails when ssh2's lists change.
 * ssh2 has no post-quantum key exchange (sntrup761x25519, mlkem768x25519).
 */
export const CLIENT_ALGORITHMS = {
  kex: [
    'curve25519-sha256@libssh.org',
    'curve25519-sha256',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group15-sha512',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group17-sha512',
    'diffie-hellman-group18-sha512',
  ],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'chacha20-poly1305@openssh.com', 'aes256-ctr'],
  mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha1-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1'],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
} as const satisfies Record<string, readonly string[]>;
