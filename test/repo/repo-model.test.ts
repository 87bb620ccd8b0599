import { describe, expect, it } from 'vitest';
import type { AnyDoc } from '../../scripts/repo/parse-document.ts';
import { RepoModel } from '../../scripts/repo/repo-model.ts';

const doc = (kind: string, id: unknown, file: string, data: object = {}) => ({ kind, id, file, data, locate: () => ({ line: 1, col: 1 }), sha256: '' }) as unknown as AnyDoc;

describe('RepoModel lookups (indexed by kind, then id)', () => {
  const web = doc('host', 'web-01', 'inventory/hosts/web-01.yaml', { groups: ['web'] });
  const webAgain = doc('host', 'web-01', 'inventory/hosts/web-01-copy.yaml', { groups: [] });
  const group = doc('group', 'web-01', 'inventory/groups/web-01.yaml');
  const numeric = doc('person', 5, 'policies/access/people/5.yaml');
  const repo = new RepoModel(
    '/r',
    [web, webAgain, group, numeric],
    [],
    new Set(['inventory/hosts/web-01.yaml', 'inventory/hosts/db-01.yaml', 'policies/access/people/ann.yaml', 'runbooks/README.txt']),
  );

  it('keeps the same id apart across kinds, and the first of two documents with one id', () => {
    expect(repo.get('host', 'web-01')).toBe(web);
    expect(repo.get('group', 'web-01')).toBe(group);
    expect(repo.get('person', 'web-01')).toBeUndefined();
    expect(repo.all('host')).toEqual([web, webAgain]);
  });

  it('compares ids as the strings they print as, like the `${kind}:${id}` keys it replaced', () => {
    expect(repo.get('person', '5')).toBe(numeric);
    expect(repo.get('person', 5 as unknown as string)).toBe(numeric);
    expect(repo.get('host', undefined as unknown as string)).toBeUndefined();
  });

  it('knows the files of a kind that did not load, and only those', () => {
    expect(repo.hasInvalid('host', 'db-01')).toBe(true);
    expect(repo.hasInvalid('person', 'ann')).toBe(true);
    expect(repo.hasInvalid('host', 'web-01')).toBe(false);
    expect(repo.hasInvalid('group', 'db-01')).toBe(false);
    expect(repo.hasInvalid('person', 'db-01')).toBe(false);
  });

  it('resolves targets through groups, once per host', () => {
    expect(repo.resolveTargets({ hosts: ['web-01', 'nope'], groups: ['web'] })).toEqual([web]);
  });
});
