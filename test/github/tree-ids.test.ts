import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTreeIds, readGitTree } from '../../scripts/github/git-tree.ts';
import { blobSha } from '../github-server/server.ts';
import { treeObjects } from '../github-server/git-tree.ts';
import { changePath, changeYaml, client, gate, user, useHarness } from '../gate/helpers.ts';

/**
 * Trees that are not the tree their commit names, through the real Octokit client. Blobs are checked against
 * their ids, so a server that wants other content read has to point the tree at another blob, or answer
 * another commit's tree: each breaks git's ids (a tree's id is the hash of its entries; the commit names its
 * root tree), and the gate fails closed naming the directory.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const treeOf = (commit: string) => treeObjects(h.repo.commits.get(commit)!).root;

/** A PR whose first commit says risk low (approved by one SRE lead), whose head says risk high (needs the CAB). */
function lowThenHigh(n: number) {
  const low = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml({ risk: 'low' }) }, author: user('li-na'), committer: user('li-na') });
  const high = h.repo.commit({ parent: low, files: { [changePath()]: changeYaml({ risk: 'high' }) }, author: user('li-na'), committer: user('li-na') });
  h.repo.openPull({ number: n, author: user('li-na'), baseSha: h.base, commits: [low, high] });
  return { low, high };
}

describe('trees are checked against their commit ids', () => {
  it('baseline: the high-risk head approved by one SRE lead is not enough', async () => {
    lowThenHigh(1);
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('pending');
  });

  it('a head tree that points the changed file at an older blob (valid, hashing to its id) fails closed', async () => {
    const { high } = lowThenHigh(2);
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    const lowBlob = blobSha(changeYaml({ risk: 'low' }));
    h.gh.rewrite({
      path: new RegExp(`/git/trees/${treeOf(high)}$`),
      edit: (d) => ({ ...(d as Obj), tree: ((d as Obj).tree as Obj[]).map((e) => (e.path === changePath() ? { ...e, sha: lowBlob } : e)) }),
    });
    await expect(gate(h, 2)).rejects.toThrow(/list tree at [0-9a-f]{12} failed: the tree of commit [0-9a-f]{12}: the entries listed under changes\/2026\/ hash to [0-9a-f]{12}, not to [0-9a-f]{12}/);
  });

  it("another commit's tree (consistent in itself) answered for the head fails closed", async () => {
    const { low, high } = lowThenHigh(3);
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    // The tree of `low` as the server would list it, answered when the head's tree is asked for.
    const { scm } = client(h);
    const lowTree = await fetch(`${h.gh.url}/repos/yunfan/ops/git/trees/${treeOf(low)}?recursive=1`, { headers: { authorization: 'token ghs_0pSg4teT3stT0kenNeverPrinted000000' } }).then(
      (r) => r.json() as Promise<Obj>,
    );
    h.gh.rewrite({ path: new RegExp(`/git/trees/${treeOf(high)}$`), edit: () => lowTree });
    await expect(scm.listTreeAtRef(high)).rejects.toThrow(/GitHub answered the tree [0-9a-f]{12}, but the commit names the tree [0-9a-f]{12}; it is another commit's tree/);
    await expect(gate(h, 3)).rejects.toThrow(/another commit's tree/);
  });

  it('an entry without an id, of an unknown type, or a directory left out of the listing fails closed', async () => {
    const { high } = lowThenHigh(4);
    const { scm } = client(h);
    const edits: [string, (e: Obj[]) => Obj[], RegExp][] = [
      ['no id', (t) => t.map((e) => (e.path === 'policies/approval.yaml' ? { ...e, sha: undefined } : e)), /entry \d+\.sha is missing/],
      ['unknown type', (t) => t.map((e) => (e.path === 'policies/approval.yaml' ? { ...e, type: 'blobish' } : e)), /has the type "blobish"/],
      ['no directory', (t) => t.filter((e) => e.path !== 'policies/access'), /lists entries under policies\/access\/ but not the directory policies\/access itself/],
      ['dropped file', (t) => t.filter((e) => e.path !== 'policies/approval.yaml'), /the entries listed under policies\/ hash to/],
      ['twice', (t) => [...t, t.find((e) => e.path === 'policies/approval.yaml')!], /lists "policies\/approval.yaml" twice/],
    ];
    for (const [name, edit, want] of edits) {
      let on = true;
      h.gh.rewrite({ path: new RegExp(`/git/trees/${treeOf(high)}$`), edit: (d) => (on ? { ...(d as Obj), tree: edit((d as Obj).tree as Obj[]) } : d) });
      await expect(scm.listTreeAtRef(high), name).rejects.toThrow(want);
      on = false;
    }
    expect((await scm.listTreeAtRef(high)).entries.some((e) => e.path === 'policies/approval.yaml')).toBe(true);
  });

  it('a commit answer for another commit, or whose signed text names another tree, fails closed', async () => {
    const { low, high } = lowThenHigh(5);
    const { scm } = client(h);
    let edit: (d: Obj) => Obj = (d) => ({ ...d, sha: low });
    h.gh.rewrite({ path: new RegExp(`/git/commits/${high}$`), edit: (d) => edit(d as Obj) });
    await expect(scm.listTreeAtRef(high)).rejects.toThrow(/GitHub answered the commit [0-9a-f]{12}; its tree is not this commit's/);
    edit = (d) => ({ ...d, verification: { verified: true, reason: 'valid', signature: '-----BEGIN PGP SIGNATURE-----', payload: `tree ${treeOf(low)}\nparent ${low}\n` } });
    await expect(scm.listTreeAtRef(high)).rejects.toThrow(/signed text \(verification.payload\) names the tree [0-9a-f]{12}/);
    edit = (d) => ({ ...d, verification: { verified: true, reason: 'valid', signature: '-----BEGIN PGP SIGNATURE-----', payload: `tree ${treeOf(high)}\nparent ${low}\n` } });
    expect((await scm.listTreeAtRef(high)).truncated).toBe(false);
  });
});

describe('tree ids as git computes them', () => {
  it("a real git repository's tree (names git sorts as directories, links, executables, UTF-8, both hash kinds) checks", () => {
    for (const format of ['sha1', 'sha256']) {
      const dir = mkdtempSync(path.join(tmpdir(), 'og-tree-'));
      try {
        const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' });
        git('init', '-q', `--object-format=${format}`);
        for (const f of ['a-b', 'a.b', 'a/x', 'a/b/c.yaml', 'ab', 'é/ü.md', 'z/run.sh']) {
          mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
          writeFileSync(path.join(dir, f), `${f}\n`, { mode: f.endsWith('.sh') ? 0o755 : 0o644 });
        }
        symlinkSync('a/x', path.join(dir, 'link'));
        git('add', '-A');
        git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'c');
        const root = git('rev-parse', 'HEAD^{tree}').trim();
        // GitHub's recursive listing: every blob and directory by full path, directories with mode 040000.
        const tree = git('-c', 'core.quotePath=false', 'ls-tree', '-r', '-t', 'HEAD')
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const [meta, p] = l.split('\t') as [string, string];
            const [mode, type, sha] = meta.split(' ') as [string, string, string];
            return { path: p, mode: mode === '040000' || type === 'tree' ? '040000' : mode, type, sha };
          });
        const answer = readGitTree({ sha: root, tree, truncated: false }, 'the tree');
        expect(() => checkTreeIds(answer, root, 'the tree')).not.toThrow();
        const altered = readGitTree({ sha: root, tree: tree.map((e) => (e.path === 'a/b/c.yaml' ? { ...e, mode: '100755' } : e)), truncated: false }, 'the tree');
        expect(() => checkTreeIds(altered, root, 'the tree')).toThrow(/under a\/b\/ hash to/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
