/**
 * Which uploads are commit-confirmed: a path that reaches sshd, PAM, accounts,
 * sudo, the firewall or an authorized_keys file through `.`, `..` or repeated
 * slashes is still that file, and is confirmed like it.
 */
import { describe, expect, it } from 'vitest';
import { planChange } from '../../scripts/change/plan.ts';
import { lockoutSensitive } from '../../scripts/remote/lockout.ts';

describe('lockout-sensitive paths', () => {
  it.each([
    ['/etc/ssh/sshd_config', ['sshd']],
    ['/tmp/../etc/ssh/sshd_config', ['sshd']],
    ['/etc/./ssh/sshd_config.d/10-x.conf', ['sshd']],
    ['//etc//pam.d/sshd', []],
    ['/var/../etc/sudoers', []],
    ['/etc/sudoers.d/./../sudoers.d/deploy', []],
    ['/home/opsgate/x/../.ssh/authorized_keys', []],
    // Not sshd_config, but sshd refuses logins or starts differently when they change.
    ['/etc/nologin', []],
    ['/run/nologin', []],
    ['/etc/default/ssh', []],
    ['/etc/sysconfig/sshd', []],
    ['/etc/systemd/system/ssh.service.d/override.conf', []],
    ['/lib/systemd/system/ssh.socket', []],
    ['/etc/systemd/system/sshd.service', []],
    ['/etc/sysconfig/iptables', []],
  ])('%s is sensitive', (p, reload) => {
    expect(lockoutSensitive(p)?.reload).toEqual(reload);
  });
  it.each([
    '/etc/ssh/../hosts',
    '/etc/nginx/nginx.conf',
    '/tmp/etc/ssh/sshd_config',
    '/home/opsgate/.ssh/../authorized_keys',
    '/etc/nologin.txt',
    '/etc/default/sshguard',
    '/etc/systemd/system/sshguard.service',
  ])('%s is not', (p) => {
    expect(lockoutSensitive(p)).toBeUndefined();
  });

  it('an upload that reaches sshd_config through .. is commit-confirmed', () => {
    const p = planChange({
      change: {
        id: 'CHG-2026-0042',
        file: 'changes/2026/CHG-2026-0042.yaml',
        sha256: 'f'.repeat(64),
        data: {
          id: 'CHG-2026-0042',
          title: 't',
          type: 'normal',
          risk: 'low',
          requester: 'a',
          implementer: 'a',
          purpose: 'p',
          impact: { description: 'd', expected_downtime_minutes: 0 },
          targets: { hosts: ['h1'] },
          window: { start: '2026-12-01T22:00:00+08:00', end: '2026-12-02T01:00:00+08:00' },
          steps: [{ id: 'conf', kind: 'upload', source: 'files/sshd_config', dest: '/tmp/../etc/ssh/sshd_config', mode: '0644', owner: 'root', group: 'root' }],
          rollout: { canary: 1, batch_size: 1, max_failures: 0 },
        },
      },
      hosts: [{ id: 'h1', data: { groups: [] } }],
      files: new Map([['files/sshd_config', { sha256: 'a'.repeat(64), bytes: 10 }]]),
      access: { people: [], roles: [], grants: [] },
      now: new Date('2026-12-01T15:00:00Z'),
    });
    expect(p.hosts[0]!.steps[0]!.confirm).toEqual({ files: ['/tmp/../etc/ssh/sshd_config'], reload: ['sshd'] });
  });
});
