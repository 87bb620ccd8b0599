import { describe, expect, it } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { GateResult } from '../../scripts/gate/types.ts';
import { baseFiles, changePath, changeYaml, FIXTURES, gate, ROOT, sampleBaseCopy, simulateAt, user, useHarness } from './helpers.ts';

/**
 * A person's document may be spelled `.yml` (scripts/repo/kinds.ts). What the gate says about a person names
 * the file that is there, not a policies/access/people/<id>.yaml the repository does not have.
 */
function baseWithPersonYml(id: string, edit: (text: string) => string = (t) => t): string {
  const root = sampleBaseCopy('opsgate-person-file-');
  const from = path.join(root, `policies/access/people/${id}.yaml`);
  const to = path.join(root, `policies/access/people/${id}.yml`);
  const text = readFileSync(from, 'utf8');
  renameSync(from, to);
  writeFileSync(to, edit(text));
  return root;
}

describe('gate messages about a person name the file spelled .yml', () => {
  it('approval.duplicate-login is located in policies/access/people/li-na.yml', async () => {
    const root = baseWithPersonYml('li-na');
    const other = path.join(root, 'policies/access/people/huang-lei.yaml');
    const text = readFileSync(other, 'utf8');
    expect(text).toMatch(/^github: \S+$/m);
    writeFileSync(other, text.replace(/^github: \S+$/m, 'github: LiNa-YF'));
    const { result } = await simulateAt(root);
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'approval.duplicate-login', file: 'policies/access/people/li-na.yml' }));
    expect(JSON.stringify(result)).not.toContain('people/li-na.yaml');
  });

  it("a review from a pinned person's login without the pinned account names policies/access/people/zhang-wei.yml", async () => {
    // zhang-wei approves in the simulated pull request, from a review that names no account id.
    const root = baseWithPersonYml('zhang-wei', (t) => t.replace(/^(github: \S+)$/m, '$1\ngithub_id: 987654'));
    const { result } = await simulateAt(root);
    const text = JSON.stringify(result);
    expect(text).toContain('pinned to the account with github_id 987654');
    expect(text).toContain('(policies/access/people/zhang-wei.yml)');
    expect(text).not.toContain('people/zhang-wei.yaml');
  });

  it("a review from a renamed login whose account id is a person's github_id names policies/access/people/zhang-wei.yml", async () => {
    const root = baseWithPersonYml('zhang-wei', (t) => t.replace(/^(github: \S+)$/m, '$1\ngithub_id: 987654'));
    // The simulated pull request with zhang-wei's review coming from a login nobody has, on zhang-wei's account.
    const sim = JSON.parse(readFileSync(path.join(FIXTURES, 'simulate-db-change.json'), 'utf8')) as { pr: { reviews: { login: string; user_id?: number }[] } };
    const review = sim.pr.reviews.find((r) => r.login === 'zhangwei-yf')!;
    Object.assign(review, { login: 'zhangwei-renamed', user_id: 987654 });
    const simFile = path.join(root, 'sim.json');
    writeFileSync(simFile, JSON.stringify(sim));
    let stdout = '';
    const sink = { write: (s: string) => ((stdout += String(s)), true) } as unknown as NodeJS.WritableStream;
    await runCli(['gate', '--root', root, '--simulate', simFile, '--format', 'json'], { env: {}, stdout: sink, stderr: { write: () => true } as unknown as NodeJS.WritableStream, cwd: ROOT });
    const text = JSON.stringify(JSON.parse(stdout) as GateResult);
    expect(text).toContain('the account was renamed');
    expect(text).toContain('github_id 987654 of zhang-wei (policies/access/people/zhang-wei.yml)');
    expect(text).not.toContain('people/zhang-wei.yaml');
  });
});

describe('a simulation names people by the file given with them', () => {
  async function simulateWith(root: string, people: Record<string, unknown>[]): Promise<{ code: number; out: string; err: string }> {
    const sim = JSON.parse(readFileSync(path.join(FIXTURES, 'simulate-db-change.json'), 'utf8')) as Record<string, unknown>;
    const simFile = path.join(root, 'sim.json');
    writeFileSync(simFile, JSON.stringify({ ...sim, people }));
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(String(s)), true) }) as unknown as NodeJS.WritableStream;
    const code = await runCli(['gate', '--root', root, '--simulate', simFile, '--format', 'json'], { env: {}, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), cwd: ROOT });
    return { code, out, err };
  }
  const zhangWei = { id: 'zhang-wei', name: '张伟', github: 'zhangwei-yf', github_id: 987654, status: 'active' };

  it('people[].file, as the gate input carries it, names the person in messages', async () => {
    const r = await simulateWith(sampleBaseCopy('opsgate-person-file-'), [{ ...zhangWei, file: 'policies/access/people/zhang-wei.yml' }]);
    expect(r.err).toBe('');
    expect(r.out).toContain('(policies/access/people/zhang-wei.yml)');
  });

  it('a people[].file outside policies/access/people/ is a usage error naming it (exit 2)', async () => {
    const r = await simulateWith(sampleBaseCopy('opsgate-person-file-'), [{ ...zhangWei, file: '../../etc/passwd' }]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('people[0].file must name a file under policies/access/people/');
    expect(r.out).toBe('');
  });
});

describe('the live gate names a base person document spelled .yml', () => {
  const h = useHarness();

  it('approval.duplicate-login in a base policies/access/people/li-na.yml is located there', async () => {
    const b = baseFiles();
    const liNa = b['policies/access/people/li-na.yaml']!;
    const huangLei = b['policies/access/people/huang-lei.yaml']!;
    expect(huangLei).toMatch(/^github: \S+$/m);
    const c = h.repo.commit({
      parent: h.base,
      files: {
        'policies/access/people/li-na.yaml': null,
        'policies/access/people/li-na.yml': liNa,
        'policies/access/people/huang-lei.yaml': huangLei.replace(/^github: \S+$/m, 'github: LiNa-YF'),
      },
      author: user('zhang-wei'),
    });
    const head = h.repo.commit({ parent: c, files: { [changePath()]: changeYaml() }, author: user('chen-jie'), committer: user('chen-jie') });
    h.repo.openPull({ number: 1, author: user('chen-jie'), baseSha: c, commits: [head] });
    const r = await gate(h, 1);
    expect(r.problems).toContainEqual(expect.objectContaining({ code: 'approval.duplicate-login', file: 'policies/access/people/li-na.yml' }));
    expect(JSON.stringify(r)).not.toContain('people/li-na.yaml');
  });
});
