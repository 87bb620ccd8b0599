import { describe, expect, it } from 'vitest';
import { bareAddress, hostPort } from '../../scripts/ssh/address.ts';
import { toSshTargets } from '../../scripts/remote/targets.ts';
import type { HostDocument } from '../../scripts/model/documents.generated.ts';

describe('host addresses', () => {
  it('takes an IPv6 literal bare or in brackets, and shows it bracketed beside a port', () => {
    expect(bareAddress('[fd00::2]')).toBe('fd00::2');
    expect(bareAddress('fd00::2')).toBe('fd00::2');
    expect(bareAddress('[fe80::1%eth0]')).toBe('fe80::1%eth0');
    expect(bareAddress('[not-an-address]')).toBe('[not-an-address]');
    expect(hostPort('fd00::2', 22)).toBe('[fd00::2]:22');
    expect(hostPort('[::1]', 2222)).toBe('[::1]:2222');
    expect(hostPort('10.0.0.5', 22)).toBe('10.0.0.5:22');
    expect(hostPort('web-1.example.org', 22)).toBe('web-1.example.org:22');
  });

  it('an inventory address in brackets reaches the socket and the proxy command bare', () => {
    const doc = { address: '[fd00::2]', port: 2222, user: 'opsgate', host_keys: ['ssh-ed25519 AAAA'] } as unknown as HostDocument;
    const [t] = toSshTargets([{ id: 'v6', data: doc }], [{ id: 'v6', data: doc }]);
    expect(t).toMatchObject({ address: 'fd00::2', port: 2222 });
  });
});
