import { describe, expect, it } from 'vitest';
import { compareRestore, evaluateFreshness, evaluateRetention, evaluateRto, missingRestorePoints, snapshotsOf } from '../../scripts/backup/evaluate.ts';
import { parseCheck, parseForget, parseListing, parseSha256, parseSnapshots, parseTree, type Snapshot } from '../../scripts/backup/parse.ts';

const snap = (id: string, time: string, host = 'web-01', tags = ['web-config'], paths = ['/etc/nginx']): Snapshot => ({ id: id.padEnd(64, '0'), shortId: id, time, host, paths, tags });
const NOW = new Date('2026-11-30T02:00:00Z');

describe('parsers of restic output', () => {
  it('reads restic snapshots --json (restic 0.14), oldest first', () => {
    const text = JSON.stringify([
      { time: '2026-11-29T17:30:00Z', paths: ['/etc/nginx'], hostname: 'web-01', tags: ['web-config'], id: 'b'.repeat(64), short_id: 'bbbbbbbb' },
      { time: '2026-11-28T17:30:00+08:00', paths: ['/etc/nginx'], hostname: 'web-02', tags: null, id: 'a'.repeat(64), short_id: 'aaaaaaaa' },
    ]);
    expect(parseSnapshots(text).map((s) => [s.shortId, s.host, s.tags])).toEqual([
      ['aaaaaaaa', 'web-02', []],
      ['bbbbbbbb', 'web-01', ['web-config']],
    ]);
    expect(() => parseSnapshots('{"not":"a list"}')).toThrow(/list/);
    expect(() => parseSnapshots('[{"id":"x","time":"yesterday"}]')).toThrow(/not a date/);
  });

  it('reads restic forget --dry-run --json with the reasons each snapshot is kept', () => {
    const s1 = { time: '2026-11-21T01:00:00Z', hostname: 'h1', tags: ['p1'], paths: ['/d'], id: '1'.repeat(64), short_id: '11111111' };
    const s2 = { time: '2026-11-20T01:00:00Z', hostname: 'h1', tags: ['p1'], paths: ['/d'], id: '2'.repeat(64), short_id: '22222222' };
    const g = parseForget(JSON.stringify([{ tags: null, host: 'h1', paths: ['/d'], keep: [s1], remove: [s2], reasons: [{ snapshot: { time: s1.time }, matches: ['daily snapshot'], counters: {} }] }]));
    expect(g).toHaveLength(1);
    expect(g[0]!.keep.map((s) => s.shortId)).toEqual(['11111111']);
    expect(g[0]!.remove.map((s) => s.shortId)).toEqual(['22222222']);
    expect(g[0]!.reasons.get('1'.repeat(64))).toEqual(['daily snapshot']);
  });

  it('reads restic ls --json --recursive and the restore test trees (NUL-separated, any file name)', () => {
    const ls = [
      '{"time":"2026-11-21T01:00:00Z","paths":["/srv"],"hostname":"h1","id":"' + '1'.repeat(64) + '","short_id":"11111111","struct_type":"snapshot"}',
      '{"name":"app","type":"dir","path":"/srv/app","struct_type":"node"}',
      '{"name":"a b","type":"file","path":"/srv/app/a b","size":6,"struct_type":"node"}',
    ].join('\n');
    expect(parseListing(ls)).toMatchObject({
      snapshot: { shortId: '11111111' },
      nodes: [
        { path: '/srv/app', type: 'dir', size: 0 },
        { path: '/srv/app/a b', type: 'file', size: 6 },
      ],
    });
    expect(parseTree('d 4096 srv\0d 4096 srv/app\0f 6 srv/app/a b\0f 1 srv/app/new\nline\0')).toEqual([
      { path: '/srv', type: 'dir', size: 4096 },
      { path: '/srv/app', type: 'dir', size: 4096 },
      { path: '/srv/app/a b', type: 'file', size: 6 },
      { path: '/srv/app/new\nline', type: 'file', size: 1 },
    ]);
    const h = 'a'.repeat(64);
    expect(parseSha256(`${h}  ./srv/app/a b\0${h}  ./srv/app/new\nline`)).toEqual(
      new Map([
        ['/srv/app/a b', h],
        ['/srv/app/new\nline', h],
      ]),
    );
    expect(() => parseSha256('not a checksum')).toThrow(/unreadable/);
  });

  it.each([
    [0, '', 'no errors were found\n', 'pass'],
    [1, 'error for tree d2378f3c:\n  decrypting blob d2378f3c failed: ciphertext verification failed\nFatal: repository contains errors\n', '', 'fail'],
    [1, 'Pack ID does not match, want 993a28c9, got 2d0d0243\nFatal: repository contains errors\n', '', 'fail'],
    [1, 'Fatal: wrong password or no key found\n', '', 'error'],
    [1, 'unable to create lock in backend: repository is already locked exclusively by PID 12 on backup-01\n', '', 'error'],
    [null, '', '', 'error'],
  ] as const)('restic check exit %s → %s', (code, stderr, stdout, status) => {
    expect(parseCheck(code, stdout, stderr).status).toBe(status);
  });
});

describe('freshness, retention, restore comparison, RTO', () => {
  it("counts only this host's snapshots of the policy in a shared repository", () => {
    const all = [snap('aaaaaaaa', '2026-11-27T01:00:00Z', 'app-01'), snap('bbbbbbbb', '2026-11-29T23:00:00Z', 'app-02'), snap('cccccccc', '2026-11-29T23:30:00Z', 'app-01', ['other'])];
    const mine = snapshotsOf(all, 'app-01', { tags: ['web-config'], paths: ['/etc/nginx'] });
    expect(mine.map((s) => s.shortId)).toEqual(['aaaaaaaa']);
    expect(evaluateFreshness(mine, 24, NOW)).toEqual({
      status: 'fail',
      count: 1,
      rpo_hours: 24,
      newest: { id: 'aaaaaaaa', time: '2026-11-27T01:00:00.000Z', age_hours: 73 },
      reason: 'newest snapshot aaaaaaaa is 73 h old; the RPO is 24 h',
    });
    expect(evaluateFreshness(snapshotsOf(all, 'app-02', { tags: ['web-config'], paths: [] }), 24, NOW).status).toBe('pass');
    expect(evaluateFreshness([], 24, NOW)).toMatchObject({ status: 'fail', reason: 'no snapshot of this host in the repository' });
    // Without tags, every policy path must be covered by the snapshot's paths.
    expect(snapshotsOf([snap('dddddddd', '2026-11-29T00:00:00Z', 'web-01', [], ['/etc'])], 'web-01', { paths: ['/etc/nginx', '/etc/ssl'] })).toHaveLength(1);
    expect(snapshotsOf([snap('dddddddd', '2026-11-29T00:00:00Z', 'web-01', [], ['/etc/nginx'])], 'web-01', { paths: ['/etc/nginx', '/etc/ssl'] })).toHaveLength(0);
  });

  it('names the completed days, weeks and months the policy promises that hold no snapshot, never before the first one', () => {
    const mine = ['2026-11-20T01:00:00Z', '2026-11-22T01:00:00Z', '2026-11-23T01:00:00Z', '2026-11-29T01:00:00Z'].map((t, i) => snap(`0000000${i}`, t));
    expect(missingRestorePoints(mine, { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }, NOW, 'UTC')).toEqual([
      { rule: 'daily', missing: ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'] },
    ]);
    // Days are the calendar zone's: 17:00Z is the next day in Asia/Shanghai, so the same two snapshots cover 11-28 and 11-29 there, 11-27 and 11-28 in UTC.
    const two = [snap('00000001', '2026-11-27T17:00:00Z'), snap('00000002', '2026-11-28T17:00:00Z')];
    expect(missingRestorePoints(two, { keep_daily: 3 }, NOW, 'Asia/Shanghai')).toEqual([]);
    expect(missingRestorePoints(two, { keep_daily: 3 }, NOW, 'UTC')).toEqual([{ rule: 'daily', missing: ['2026-11-29'] }]);
  });

  it('fails retention on snapshots the policy would have pruned, and on missing restore points', () => {
    const mine = [snap('11111111', '2026-11-27T01:00:00Z'), snap('22222222', '2026-11-28T01:00:00Z'), snap('33333333', '2026-11-29T01:00:00Z')];
    const groups = [{ host: 'web-01', tags: ['web-config'], paths: ['/etc/nginx'], keep: [mine[2]!, mine[1]!], remove: [mine[0]!], reasons: new Map() }];
    expect(evaluateRetention(mine, groups, 'web-01', { keep_daily: 2 }, NOW, 'UTC')).toEqual({
      status: 'fail',
      kept: 2,
      would_remove: [{ id: '11111111', time: '2026-11-27T01:00:00.000Z' }],
      missing: [],
      reason: "1 snapshot the policy's retention would have removed (11111111): forget/prune is not running",
    });
    const ok = [{ ...groups[0]!, keep: mine, remove: [] }];
    expect(evaluateRetention(mine, ok, 'web-01', { keep_daily: 3 }, NOW, 'UTC')).toMatchObject({ status: 'pass', kept: 3, reason: '' });
    expect(evaluateRetention(mine, ok, 'web-01', { keep_daily: 5 }, NOW, 'UTC')).toMatchObject({ status: 'pass' });
    expect(evaluateRetention([mine[0]!, mine[2]!], ok, 'web-01', { keep_daily: 5 }, NOW, 'UTC').reason).toBe('too few snapshots: no daily snapshot for 2026-11-28');
  });

  const listing = [
    { path: '/srv/app', type: 'dir' as const, size: 0 },
    { path: '/srv/app/a', type: 'file' as const, size: 3 },
    { path: '/srv/app/b', type: 'file' as const, size: 5 },
  ];
  const restored = [
    { path: '/srv', type: 'dir' as const, size: 4096 },
    { path: '/srv/app', type: 'dir' as const, size: 4096 },
    { path: '/srv/app/a', type: 'file' as const, size: 3 },
    { path: '/srv/app/b', type: 'file' as const, size: 5 },
  ];
  const sha = new Map([
    ['/srv/app/a', 'a'.repeat(64)],
    ['/srv/app/b', 'b'.repeat(64)],
  ]);

  it('passes a restore whose tree, sizes and hashes match the snapshot', () => {
    expect(compareRestore({ samplePaths: ['/srv/app'], listing, restored, restoredSha: sha, dumpedSha: sha })).toEqual({
      status: 'pass',
      files_expected: 2,
      files_restored: 2,
      bytes_expected: 8,
      mismatches: [],
      mismatch_count: 0,
      reason: '',
    });
  });

  it.each([
    ['a missing file', { restored: restored.filter((e) => e.path !== '/srv/app/b') }, '/srv/app/b listed as file in the snapshot, not restored'],
    ['a size that differs', { restored: restored.map((e) => (e.path === '/srv/app/a' ? { ...e, size: 2 } : e)) }, '/srv/app/a restored 2 bytes, the snapshot lists 3'],
    ['content restic dump disagrees with', { dumpedSha: new Map([...sha, ['/srv/app/b', 'c'.repeat(64)]]) }, `/srv/app/b sha256 ${'b'.repeat(12)}… restored, ${'c'.repeat(12)}… from restic dump`],
    ['a file the snapshot does not list', { restored: [...restored, { path: '/srv/app/x', type: 'file' as const, size: 1 }] }, '/srv/app/x restored but not listed in the snapshot'],
    ['a sample path not in the snapshot', { samplePaths: ['/srv/app', '/srv/other'] }, '/srv/other not in the snapshot'],
  ])('fails %s', (_what, change, problem) => {
    const r = compareRestore({ samplePaths: ['/srv/app'], listing, restored, restoredSha: sha, dumpedSha: sha, ...change });
    expect(r.status).toBe('fail');
    expect(r.mismatches.map((m) => `${m.path} ${m.problem}`)).toEqual([problem]);
  });

  it('measures the restore against the RTO', () => {
    expect(evaluateRto(1_200_000, 0.5)).toEqual({ met: true, rto_ms: 1_800_000, reason: '' });
    expect(evaluateRto(1_800_001, 0.5)).toEqual({ met: false, rto_ms: 1_800_000, reason: 'the restore took 1800.001 s; the RTO is 0.5 h (1800.000 s)' });
  });
});
