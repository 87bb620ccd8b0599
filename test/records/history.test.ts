import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderRecordLine, GENESIS } from '../../scripts/records/chain.ts';
import { blobId, checkRecordHistory, firstDifferentLine, type CommittedVersion } from '../../scripts/records/history.ts';
import { readRecordHistory, readWorkingTreeState } from '../../scripts/records/git-versions.ts';

function chain(events: string[]): string {
  let head = GENESIS;
  return events.map((e, i) => {
    const { text, hash } = renderRecordLine(head, i + 1, { at: '2026-11-01T00:00:00Z', type: 'x', v: e });
    head = hash;
    return text + '\n';
  }).join('');
}
const version = (text: string, commit = 'c1', at = '2026-11-01T00:00:00Z'): CommittedVersion => ({ commit, at, blob: blobId(Buffer.from(text)), size: Buffer.byteLength(text) });

describe('records against their committed versions (pure)', () => {
  const v1 = chain(['a', 'b']);
  const v2 = chain(['a', 'b', 'c']);

  it('blobId is git\'s blob id', () => {
    expect(blobId(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it.each([
    ['appended after the last commit: uncommitted lines named', [version(v1)], v2, [['record.history.uncommitted', 3]]],
    ['identical to the last commit', [version(v1), version(v2, 'c2', '2026-11-02T00:00:00Z')], v2, []],
    ['a committed line edited and every hash recomputed', [version(v2)], chain(['a', 'B', 'c']), [['record.history.rewritten', 1]]],
    ['the last committed line removed', [version(v2)], v1, [['record.history.rewritten', 1]]],
    ['never committed', [], v1, [['record.history.untracked', 1]]],
  ])('%s', (_n, versions, working, want) => {
    const r = checkRecordHistory('records/x.jsonl', versions, Buffer.from(working));
    expect(r.problems.map((p) => [p.code, p.line])).toEqual(want);
  });

  it('a committed file missing from the working tree is deleted', () => {
    expect(checkRecordHistory('records/x.jsonl', [version(v1)], undefined).problems.map((p) => p.code)).toEqual(['record.history.deleted']);
  });

  it('git\'s order, not the commit time, says which version is newest (times tie within a second)', () => {
    const versions = [{ ...version(v2, 'c1'), order: 2 }, { ...version(v1, 'c2'), order: 1 }];
    expect(checkRecordHistory('records/x.jsonl', versions, Buffer.from(v1)).problems).toEqual([]);
    expect(checkRecordHistory('records/x.jsonl', versions, Buffer.from(chain(['a', 'X']))).problems.map((p) => [p.code, p.commit])).toEqual([['record.history.rewritten', 'c2']]);
  });

  it('names the first line that differs', () => {
    expect(firstDifferentLine(v2, chain(['a', 'B', 'c']))).toBe(2);
  });
});

describe('records against real git history (edge)', () => {
  let root: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('versions from every commit, a deletion restarting history, a deletion at HEAD, and the working tree state', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'og-history-'));
    git('init', '-q', '-b', 'main');
    write('records/a.jsonl', chain(['1']));
    write('records/b.jsonl', chain(['1']));
    write('records/c.jsonl', chain(['1']));
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    write('records/a.jsonl', chain(['1', '2']));
    git('commit', '-q', '-am', 'two');
    git('rm', '-q', 'records/b.jsonl', 'records/c.jsonl');
    git('commit', '-q', '-m', 'delete b and c');
    write('records/b.jsonl', chain(['x']));
    git('add', '-A');
    git('commit', '-q', '-m', 'b again');
    write('records/a.jsonl', chain(['1', '2', '3']));
    write('records/d.jsonl', chain(['1']));
    const h = await readRecordHistory(root);
    expect(h.versions.get('records/a.jsonl')!.map((v) => v.size)).toEqual([Buffer.byteLength(chain(['1', '2'])), Buffer.byteLength(chain(['1']))]);
    expect(h.versions.get('records/b.jsonl')!.length).toBe(1);
    expect([...h.restarts.keys()]).toEqual(['records/b.jsonl']);
    expect([...h.deleted.keys()]).toEqual(['records/c.jsonl']);
    expect(await readWorkingTreeState(root, ['records'])).toEqual({ modified: ['records/a.jsonl'], deleted: [], untracked: ['records/d.jsonl'] });
  });

  it('a commit that empties records/ starts a new epoch: nothing before it is compared, nothing deleted then is missing', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'og-history-'));
    git('init', '-q', '-b', 'main');
    write('records/old.jsonl', chain(['1']));
    write('records/a.jsonl', chain(['1', '2']));
    git('add', '-A');
    git('commit', '-q', '-m', 'first epoch');
    git('rm', '-q', '-r', 'records');
    git('commit', '-q', '-m', 'records: emptied before they are written again');
    const emptied = git('rev-parse', 'HEAD').trim();
    write('records/a.jsonl', chain(['x']));
    git('add', '-A');
    git('commit', '-q', '-m', 'second epoch');
    const h = await readRecordHistory(root);
    expect(h.epoch?.commit).toBe(emptied);
    expect([...h.deleted.keys()]).toEqual([]);
    expect([...h.restarts.keys()]).toEqual([]);
    expect(h.versions.get('records/a.jsonl')!.length).toBe(1);
    expect(checkRecordHistory('records/a.jsonl', h.versions.get('records/a.jsonl')!, Buffer.from(chain(['x']))).problems).toEqual([]);
  });
  it('a Records-Reset commit (as records verify honours it) restarts history: each file is compared from its version then, later rewrites are still caught', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'og-history-'));
    git('init', '-q', '-b', 'main');
    write('records/a.jsonl', chain(['1', '2']));
    write('records/gone.jsonl', chain(['1']));
    git('add', '-A');
    git('commit', '-q', '-m', 'first');
    // Regenerated wholesale before the reset: a rewrite and a deletion that the reset sanctions.
    write('records/a.jsonl', chain(['x', 'y']));
    git('rm', '-q', 'records/gone.jsonl');
    git('add', '-A');
    git('commit', '-q', '-m', 'regenerated');
    git('commit', '-q', '--allow-empty', '-m', 'records: sample regenerated\n\nRecords-Reset: the sample was regenerated');
    const reset = git('rev-parse', 'HEAD').trim();
    let h = await readRecordHistory(root);
    expect(h.epoch).toMatchObject({ commit: reset, reason: 'the sample was regenerated' });
    expect([...h.rewrites.keys()]).toEqual([]);
    expect([...h.deleted.keys()]).toEqual([]);
    expect(checkRecordHistory('records/a.jsonl', h.versions.get('records/a.jsonl')!, Buffer.from(chain(['x', 'y', 'z'])), { modified: true }).problems.map((p) => p.code)).toEqual(['record.history.uncommitted']);
    // After the reset, a commit that rewrites a line is caught again.
    write('records/a.jsonl', chain(['x', 'Y']));
    git('add', '-A');
    git('commit', '-q', '-m', 'rewrite after the reset');
    h = await readRecordHistory(root);
    expect([...h.rewrites.keys()]).toEqual(['records/a.jsonl']);
    // An emptied records/ after the reset is the newer start.
    git('rm', '-q', '-r', 'records');
    git('commit', '-q', '-m', 'emptied');
    const emptied = git('rev-parse', 'HEAD').trim();
    write('records/a.jsonl', chain(['n']));
    git('add', '-A');
    git('commit', '-q', '-m', 'new');
    h = await readRecordHistory(root);
    expect(h.epoch).toEqual({ commit: emptied, at: expect.any(String) });
    expect([...h.rewrites.keys()]).toEqual([]);
  });
});
