import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fingerprintOf } from '../../scripts/rules/access-rules.ts';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { group, host, person } from './fixture-docs.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
const grant = (who: string, expires = '2027-06-30T23:59:59+08:00', by = 'alice') => `id: g-${who}
person: ${who}
role: ops
groups: [web]
granted_on: 2026-01-05
expires: ${expires}
justification: on-call operator for the web tier
approved_by: ${by}
`;
const base = {
  'inventory/groups/web.yaml': group('web'),
  'inventory/hosts/web-01.yaml': host('web-01'),
  'policies/access/people/alice.yaml': person('alice'),
  'policies/access/people/bob.yaml': person('bob'),
  'policies/access/people/sun.yaml': person('sun', 'left', '2026-09-30'),
  'policies/access/roles/ops.yaml': 'id: ops\ntitle: ops\nunix_account: ops\n',
};
async function lint(files: Record<string, string>) {
  const repo = await repoFromFiles({ ...base, ...files });
  return lintRepo({ repo, now: NOW, existingFiles: new Set() });
}

describe('access rules', () => {
  it.each([
    ['active person, active grant', grant('bob'), []],
    ['left person, grant still active', grant('sun'), ['access.left-with-grant']],
    ['left person, grant expired at leaving', grant('sun', '2026-09-30T18:00:00+08:00'), []],
    ['self-approved grant', grant('alice'), ['access.self-approved']],
    ['grant for an unknown person', grant('carol'), ['reference.unknown']],
  ])('%s', async (_n, text, expected) => {
    const id = /id: (\S+)/.exec(text)![1];
    expect((await lint({ [`policies/access/grants/${id}.yaml`]: text })).map((d) => d.code)).toEqual(expected);
  });

  it.each([
    ['opsgate', ['access.manages-login-account']],
    ['root', []],
    ['deploy', []],
  ])('a role whose unix_account is %s (hosts log in as opsgate)', async (account, expected) => {
    const ds = await lint({ 'policies/access/roles/ops.yaml': `id: ops\ntitle: ops\nunix_account: ${account}\n` });
    expect(ds.map((d) => d.code)).toEqual(expected);
    if (expected.length) expect(ds[0]).toMatchObject({ file: 'policies/access/roles/ops.yaml', line: 3, pointer: '/unix_account' });
  });

  it('suggests the nearest id for a misspelt reference', async () => {
    const ds = await lint({ 'policies/access/grants/g-bob.yaml': grant('bob').replace('groups: [web]', 'groups: [wbe]') });
    expect(ds[0]).toMatchObject({ code: 'reference.unknown', pointer: '/groups/0', line: 4 });
    expect(ds[0]!.hint).toContain("'web'");
  });

  it('does not cascade: a reference to an invalid document is not also reported unknown', async () => {
    const ds = await lint({ 'policies/access/grants/g-bob.yaml': grant('bob'), 'policies/access/roles/ops.yaml': 'id: ops\ntitle: ops\n' });
    expect(ds.map((d) => d.code)).toEqual(['schema.required']);
  });

  it('computes fingerprints exactly as ssh-keygen does', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'og-fp-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const pub = execFileSync('cat', [path.join(dir, 'k.pub')]).toString();
    const expected = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'k.pub')])
      .toString()
      .split(' ')[1];
    writeFileSync(path.join(dir, 'unused'), '');
    expect(fingerprintOf(pub)).toBe(expected);
  });

  it('a pinned fingerprint that does not match the key is located at the fingerprint', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    const text = `${person('bob')}ssh_keys:\n  - fingerprint: SHA256:${'A'.repeat(43)}\n    public_key: ${key}\n`;
    const ds = await lint({ 'policies/access/people/bob.yaml': text });
    expect(ds).toEqual([expect.objectContaining({ code: 'access.fingerprint-mismatch', line: 6, pointer: '/ssh_keys/0/fingerprint' })]);
  });

  it('approval teams name real people; departed members are flagged; hosts name a real team', async () => {
    const approval =
      'id: approval\nteams:\n  ops:\n    title: Ops\n    members: [alice, sun, nobody]\ngovernance:\n  paths: [policies/approval.yaml]\n  require: { count: 1, from: { teams: [ops] } }\nrules:\n  - id: any\n    title: any\n    if: { kinds: [change] }\n    require: { count: 1, from: { teams: [ops] } }\n';
    const ds = (await lint({ 'policies/approval.yaml': approval, 'inventory/hosts/web-01.yaml': host('web-01').replace('owner_team: ops', 'owner_team: opz') })).filter(
      (d) => d.file === 'policies/approval.yaml' || d.file.startsWith('inventory/hosts'),
    );
    const schemaOk = !ds.some((d) => d.code.startsWith('schema.'));
    if (!schemaOk) return expect.fail(`sample approval document no longer matches its schema: ${JSON.stringify(ds)}`);
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([
      ['reference.unknown', '/owner_team'],
      ['approval.member-left', '/teams/ops/members/1'],
      ['reference.unknown', '/teams/ops/members/2'],
    ]);
  });
});
