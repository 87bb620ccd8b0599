import { describe, expect, it } from 'vitest';
import { renderAccessPolicy } from '../../scripts/converge/access.ts';
import { parseAccessOutput, renderAccessScript } from '../../scripts/converge/access-script.ts';
import { loginAccountProblem } from '../../scripts/converge/login-account.ts';
import { allowedSudoLines, canonicalSudoLine } from '../../scripts/converge/sudoers-allow.ts';
import { fingerprintOf } from '../../scripts/ssh/host-key.ts';
import type { RoleDocument } from '../../scripts/model/documents.generated.ts';

const blob = (n: number) => {
  const b = Buffer.alloc(51);
  b.writeUInt32BE(11, 0);
  b.write('ssh-ed25519', 4);
  b.writeUInt32BE(32, 15);
  b.fill(n, 19);
  return b;
};
const key = (n: number, comment = 'c') => ({ fingerprint: fingerprintOf(blob(n)), public_key: `ssh-ed25519 ${blob(n).toString('base64')} ${comment}` });
const now = new Date('2026-12-01T00:00:00Z');
const grant = (id: string, person: string, role: string, extra = {}) => ({
  id,
  person,
  role,
  groups: ['web'],
  granted_on: '2026-01-01',
  expires: '2027-01-01T00:00:00Z',
  justification: 'j',
  approved_by: 'x',
  ...extra,
});
const host = { id: 'w1', data: { groups: ['web'] } };
const roles: RoleDocument[] = [
  { id: 'deploy', title: 'deploy', unix_account: 'deploy', sudo: [{ commands: ['/usr/bin/systemctl restart nginx', '/bin/echo a,b:c=d'], nopasswd: true }] },
  { id: 'audit', title: 'audit', unix_account: 'audit' },
];

describe('renderAccessPolicy', () => {
  it('keeps active people with live grants and keys; drops departed people, expired grants and keys, bad fingerprints', () => {
    const p = renderAccessPolicy(
      host,
      {
        people: [
          { id: 'alice', name: 'A', status: 'active', ssh_keys: [key(1), { ...key(2), expires: '2026-11-01T00:00:00Z' }] },
          { id: 'bob', name: 'B', status: 'left', left_on: '2026-09-30', ssh_keys: [key(3)] },
          { id: 'carol', name: 'C', status: 'active', ssh_keys: [key(4)] },
          { id: 'dave', name: 'D', status: 'active', ssh_keys: [{ ...key(5), fingerprint: key(6).fingerprint }] },
          { id: 'erin', name: 'E', status: 'active', ssh_keys: [key(7)] },
        ],
        roles,
        grants: [
          grant('g1', 'alice', 'deploy'),
          grant('g2', 'bob', 'deploy'),
          grant('g3', 'carol', 'deploy', { expires: '2026-11-30T00:00:00Z' }),
          grant('g4', 'dave', 'deploy'),
          grant('g5', 'erin', 'deploy', { groups: ['db'] }),
        ],
      },
      now,
    );
    const deploy = p.accounts.find((a) => a.account === 'deploy')!;
    expect(deploy.keys.map((k) => k.person)).toEqual(['alice']);
    expect(deploy.content).toBe(`ssh-ed25519 ${blob(1).toString('base64')} opsgate:alice\n`);
    expect(p.accounts.find((a) => a.account === 'audit')!.content).toBe('');
    expect(p.excluded.map((x) => x.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('expired 2026-11-01'), 'person is left since 2026-09-30', 'grant expired 2026-11-30T00:00:00Z', expect.stringContaining('the document pins')]),
    );
    expect(p.sudoers).toEqual([
      { role: 'deploy', name: 'opsgate-role-deploy', content: expect.stringContaining('deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx, /bin/echo a\\,b\\:c\\=d\n') },
    ]);
  });

  it('renders a script whose data cannot end its here-documents early', () => {
    const p = renderAccessPolicy(host, { people: [{ id: 'alice', name: 'A', status: 'active', ssh_keys: [key(1, "x'; rm -rf / #")] }], roles, grants: [grant('g1', 'alice', 'deploy')] }, now);
    const s = renderAccessScript(p, 'apply', { loginUser: 'opsgate', allowed: [], confirm: { id: 'access-x-w1', seconds: 60 } });
    expect(s).toMatch(/og_keys deploy <<'OPSGATE_EOF_[0-9a-f]{20}'\n/);
    expect(s).not.toContain('rm -rf /');
  });

  it('parses the report lines', () => {
    expect(parseAccessOutput('noise\nOG\tkeys-add\tdeploy\tssh-ed25519 AAA c\nOG\tsudoers-invalid\tbad\tthing\nOG\tsudoers-written\topsgate-role-x\n')).toEqual([
      { type: 'keys-add', account: 'deploy', line: 'ssh-ed25519 AAA c' },
      { type: 'sudoers-invalid', message: 'bad\tthing' },
      { type: 'sudoers-written', name: 'opsgate-role-x' },
    ]);
    expect(parseAccessOutput('OG\tsudoers-rule\t50-x\t3\tdeploy ALL=(ALL) NOPASSWD: ALL\nOG\tlogin-account-refused\topsgate\nOG\tconfirm-armed\taccess-x\n')).toEqual([
      { type: 'sudoers-rule', name: '50-x', line: 3, text: 'deploy ALL=(ALL) NOPASSWD: ALL' },
      { type: 'login-account-refused', account: 'opsgate' },
      { type: 'confirm-armed', id: 'access-x' },
    ]);
  });

  it('never carries a removed line that is not a public key into the report (its length only)', () => {
    const shadow = 'root:$6$secret$hash:19000:0:99999:7:::';
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB bob@example';
    expect(parseAccessOutput(`OG\tkeys-remove\tdeploy\t${shadow}\nOG\tkeys-remove\tdeploy\t${key}\n`)).toEqual([
      { type: 'keys-remove', account: 'deploy', line: `(not-a-public-key-line,${shadow.length}-characters)` },
      { type: 'keys-remove', account: 'deploy', line: key },
    ]);
  });

  it('refuses a policy that manages the login account before anything connects', () => {
    const p = renderAccessPolicy(
      host,
      { people: [{ id: 'alice', name: 'A', status: 'active', ssh_keys: [key(1)] }], roles: [{ id: 'ops', title: 'ops', unix_account: 'opsgate' }], grants: [grant('g1', 'alice', 'ops')] },
      now,
    );
    expect(loginAccountProblem(p, 'opsgate')).toMatch(/opsgate logs in with/);
    expect(loginAccountProblem(p, 'root')).toBeUndefined();
  });
});

describe('sudoers allow list', () => {
  it('canonicalises spacing so a rule written differently still matches', () => {
    const allowed = allowedSudoLines([
      {
        checks: [
          {
            type: 'sudoers',
            params: {
              allow: [
                { who: 'opsgate', runas: 'root', commands: ['ALL'], nopasswd: true },
                { who: '%sudo', runas: 'ALL', commands: ['ALL'] },
              ],
            },
          },
          { type: 'accounts', params: {} },
        ],
      },
    ]);
    expect(allowed).toEqual(['%sudo ALL=(ALL)ALL', 'opsgate ALL=(root)NOPASSWD:ALL']);
    expect(canonicalSudoLine('opsgate   ALL = ( root )  NOPASSWD :  ALL')).toBe('opsgate ALL=(root)NOPASSWD:ALL');
    expect(canonicalSudoLine('deploy ALL=(ALL) NOPASSWD: ALL')).not.toBe(allowed[1]);
  });
});
