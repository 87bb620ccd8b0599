import { describe, expect, it } from 'vitest';
import { entitledAccounts, grantState, keyEntitlement, keyValid } from '../../scripts/access/entitlement.ts';
import type { GrantDocument, PersonDocument, RoleDocument } from '../../scripts/model/documents.generated.ts';
import { renderAccessPolicy } from '../../scripts/converge/access.ts';
import { evaluateCheck } from '../../scripts/inspect/evaluate.ts';
import { factError, factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { InventoryHost } from '../../scripts/inspect/model.ts';
import { computeAccess } from '../../scripts/report/metrics/access.ts';
import type { ReportInput } from '../../scripts/report/types.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { fingerprintOf } from '../../scripts/ssh/host-key.ts';

const blob = (n: number) => {
  const b = Buffer.alloc(51);
  b.writeUInt32BE(11, 0);
  b.write('ssh-ed25519', 4);
  b.writeUInt32BE(32, 15);
  b.fill(n, 19);
  return b;
};
const key = (n: number) => ({ fingerprint: fingerprintOf(blob(n)), public_key: `ssh-ed25519 ${blob(n).toString('base64')} k${n}` });
const SH = 'Asia/Shanghai';
const NOW = new Date('2026-11-27T04:00:00Z'); // 12:00 in Shanghai
const grant = (id: string, person: string, extra: Record<string, unknown> = {}) => ({
  id,
  person,
  role: 'deployer',
  groups: ['web'],
  granted_on: '2026-01-01',
  expires: '2027-06-01T00:00:00+08:00',
  justification: 'j',
  approved_by: 'x',
  ...extra,
});
const docs: { people: PersonDocument[]; roles: RoleDocument[]; grants: GrantDocument[] } = {
  people: [
    { id: 'alice', name: 'A', status: 'active', ssh_keys: [key(1)] },
    { id: 'nico', name: 'N', status: 'active', ssh_keys: [key(2)] },
  ],
  roles: [{ id: 'deployer', title: 'deployer', unix_account: 'deploy', sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }] }],
  // nico's grant starts next month: it confers nothing yet, in every capability.
  grants: [grant('g-alice', 'alice'), grant('g-nico', 'nico', { granted_on: '2026-12-01' })],
};

describe('grant state', () => {
  it.each([
    ['starts next month', { granted_on: '2026-12-01', expires: '2027-01-01T00:00:00Z' }, 'pending'],
    ['started today in the calendar zone (00:00 Shanghai is before now)', { granted_on: '2026-11-27', expires: '2027-01-01T00:00:00Z' }, 'active'],
    ['starts tomorrow in the calendar zone', { granted_on: '2026-11-28', expires: '2027-01-01T00:00:00Z' }, 'pending'],
    ['expired a second ago', { granted_on: '2026-01-01', expires: '2026-11-27T03:59:59Z' }, 'expired'],
    ['expires exactly now (exclusive)', { granted_on: '2026-01-01', expires: '2026-11-27T04:00:00Z' }, 'expired'],
    ['unreadable expiry is never active', { granted_on: '2026-01-01', expires: 'soon' }, 'expired'],
    ['unreadable start is never active', { granted_on: 'someday', expires: '2027-01-01T00:00:00Z' }, 'pending'],
  ])('%s', (_n, g, state) => {
    expect(grantState(g, { now: NOW, timezone: SH })).toBe(state);
  });

  it('the zone decides when a date-only granted_on starts', () => {
    const g = { granted_on: '2026-11-28', expires: '2027-01-01T00:00:00Z' };
    const at = new Date('2026-11-27T17:00:00Z'); // 01:00 on the 28th in Shanghai, still the 27th in UTC
    expect(grantState(g, { now: at, timezone: SH })).toBe('active');
    expect(grantState(g, { now: at })).toBe('pending');
  });

  it('keys are valid until their own expiry, exclusive', () => {
    expect(keyValid({}, { now: NOW })).toBe(true);
    expect(keyValid({ expires: '2026-11-27T04:00:00Z' }, { now: NOW })).toBe(false);
    expect(keyValid({ expires: '2026-11-27T04:00:01Z' }, { now: NOW })).toBe(true);
  });

  it('key entitlement names the first thing that stops a key', () => {
    const host = { id: 'web-01', groups: ['web'] };
    const clock = { now: NOW, timezone: SH };
    expect(keyEntitlement(key(1).fingerprint, 'deploy', host, docs, clock)).toEqual({ ok: true, person: 'alice', grant: 'g-alice' });
    expect(keyEntitlement(key(2).fingerprint, 'deploy', host, docs, clock)).toEqual({ ok: false, person: 'nico', reason: 'of nico: grant g-nico starts 2026-12-01' });
    expect(keyEntitlement(key(1).fingerprint, 'root', host, docs, clock)).toMatchObject({ ok: false, reason: 'of alice: no grant of account root on this host' });
    expect(keyEntitlement(key(1).fingerprint, 'deploy', { id: 'db-01', groups: ['db'] }, docs, clock)).toMatchObject({ ok: false, reason: 'of alice: no grant of account deploy on this host' });
    expect(keyEntitlement(key(9).fingerprint, 'deploy', host, docs, clock)).toEqual({ ok: false, reason: 'is unknown' });
    expect(entitledAccounts(host, { ...docs, grants: [docs.grants[1]!] }, clock)).toEqual(new Set());
  });
});

describe('converge, inspect, lint and report give one answer for a grant that starts next month', () => {
  it('converge leaves the key out, inspect fails it, report counts the grant as not active yet', () => {
    const policy = renderAccessPolicy({ id: 'web-01', data: { groups: ['web'] } }, { ...docs, grants: docs.grants.map((g) => grant(g.id, g.person, { granted_on: g.granted_on })), timezone: SH }, NOW);
    expect(policy.accounts.find((a) => a.account === 'deploy')!.keys.map((k) => k.person)).toEqual(['alice']);
    expect(policy.excluded).toEqual([{ person: 'nico', grant: 'g-nico', reason: 'grant starts 2026-12-01' }]);

    const host: InventoryHost = { id: 'web-01', address: 'a', user: 'opsgate', host_keys: [], groups: ['web'], env: 'prod' };
    const missing = factError<never>('not gathered', 'x');
    const facts = {
      authorizedKeys: factOk(
        [1, 2].map((n) => ({ account: 'deploy', file: '/home/deploy/.ssh/authorized_keys', line: n, type: 'ssh-ed25519', fingerprint: key(n).fingerprint, comment: '', options: '' })),
        'cat',
      ),
    } as unknown as HostFacts;
    for (const k of ['sshd', 'sshdContexts', 'authorizedKeyFiles', 'passwd', 'group', 'shadow', 'sudoers'] as const) (facts as unknown as Record<string, unknown>)[k] = missing;
    const o = evaluateCheck(
      { id: 'a.k', title: 't', severity: 'high', type: 'authorized_keys', params: {}, rationale: 'r', remediation: 'm' },
      facts,
      host,
      { ...docs, backupPolicies: [], exceptions: [], timezone: SH },
      NOW,
    );
    expect(o.status).toBe('fail');
    expect(o.reason).toBe(`deploy: ${key(2).fingerprint} of nico: grant g-nico starts 2026-12-01 at /home/deploy/.ssh/authorized_keys:2`);

    const period = parsePeriod('2026-11', SH)!;
    const input = {
      grants: docs.grants.map((g) => ({ id: g.id, file: `policies/access/grants/${g.id}.yaml`, data: grant(g.id, g.person, { granted_on: g.granted_on }) })),
      reviews: [],
      people: [],
      inspections: [],
    } as unknown as ReportInput;
    const section = computeAccess(input, period, NOW.getTime(), null);
    expect(section.grants.map((g) => [g.id, g.state])).toEqual([
      ['g-alice', 'active'],
      ['g-nico', 'pending'],
    ]);
    expect(section.figures.find((f) => f.id === 'access.grants_active')!.value).toBe(1);
  });
});
