import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_KINDS, matchKind } from '../../scripts/repo/kinds.ts';
import { joinRepoPath } from '../../scripts/repo/repo-path.ts';

describe('joinRepoPath', () => {
  const roots = ['/tmp/repo', '/tmp/repo/', '/', '.', '', './a/', 'a//b/', 'a/..', '..', '/tmp/x/../y', 'rel/dir'];
  const rels = ['inventory/hosts/web-01.yaml', 'x', '.hidden/a.yaml', '..x/y', 'a/.b', './b', '../b', 'b/..', 'b//c', '/abs', 'a/./b', 'a\\b', '.', '..'];
  it('answers exactly what path.join answers, for every root and path shape', () => {
    for (const root of roots) for (const rel of rels) expect(joinRepoPath(root, rel), `${root} + ${rel}`).toBe(path.join(root, rel));
  });
  it('stays right when the root changes between calls', () => {
    expect(joinRepoPath('/one', 'a.yaml')).toBe('/one/a.yaml');
    expect(joinRepoPath('/two/', 'a.yaml')).toBe('/two/a.yaml');
    expect(joinRepoPath('/one', 'a.yaml')).toBe('/one/a.yaml');
  });
});

describe('matchKind', () => {
  /** The decision without the folder prefilter: the first pattern that matches. */
  function everyPattern(rel: string) {
    for (const k of DOCUMENT_KINDS) {
      const m = k.pattern.exec(rel);
      if (m) return m.length === 3 ? { kind: k.kind, schema: k.schema, expectedId: m[2]!, year: m[1]! } : { kind: k.kind, schema: k.schema, expectedId: m[1]! };
    }
    return undefined;
  }
  const folders = [
    'inventory/hosts',
    'inventory/groups',
    'inventory',
    'policies',
    'policies/baselines',
    'policies/backup',
    'policies/advisories',
    'policies/access/people',
    'policies/access/roles',
    'policies/access/grants',
    'policies/access/reviews',
    'policies/exceptions',
    'policies/contacts',
    'changes/2026',
    'changes',
    'incidents/2027',
    'incidents/handovers/2026',
    'incidents/handovers',
    'runbooks',
    'reports/notes',
    'policiesx',
    'Policies',
    'inventory/hosts/sub',
  ];
  const names = ['web-01.yaml', 'web-01.yml', 'organisation.yaml', 'calendar.yml', 'sla.yaml', 'oncall.yaml', 'approval.yaml', 'CHG-2026-0001.yaml', 'r.md', 'x.json', 'README.md'];
  it('decides every path as trying every kind in order would', () => {
    let matched = 0;
    for (const f of folders)
      for (const n of names) {
        const rel = `${f}/${n}`;
        const want = everyPattern(rel);
        if (want) matched++;
        expect(matchKind(rel), rel).toEqual(want);
      }
    // Every kind is among the paths above, so the comparison covers each pattern.
    expect(new Set(folders.flatMap((f) => names.map((n) => matchKind(`${f}/${n}`)?.kind)).filter(Boolean)).size).toBe(DOCUMENT_KINDS.length);
    expect(matched).toBeGreaterThan(40);
  });
});
