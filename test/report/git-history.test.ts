import { describe, expect, it } from 'vitest';
import { httpsUrl, parseGitLog, prNumberOf } from '../../scripts/report/git-history.ts';

describe('git history', () => {
  it.each([
    ['Merge pull request #12 from yunfan/chg-0101', 12],
    ['Upgrade nginx on web (#34)', 34],
    ['records: apply CHG-2026-0101', undefined],
    ['Mention #5 in the middle', undefined],
  ])('PR number of %j is %s', (subject, pr) => {
    expect(prNumberOf(subject)).toBe(pr);
  });

  it.each([
    ['git@github.com:yunfan-tech/ops-policies.git', 'https://github.com/yunfan-tech/ops-policies'],
    ['https://x-access-token:ghp_secret@github.com/yunfan-tech/ops-policies.git', 'https://github.com/yunfan-tech/ops-policies'],
    ['https://github.example.com/a/b', 'https://github.example.com/a/b'],
    ['/srv/git/ops.git', undefined],
  ])('web URL of remote %s is %s (credentials dropped)', (remote, url) => {
    expect(httpsUrl(remote)).toBe(url);
  });

  it('first and last commit per path, and every PR that touched it, from newest-first log text', () => {
    const log = [
      '\x1ec3\x1f2026-11-03T10:00:00+08:00\x1fMerge pull request #9 from a/b\n\nchanges/2026/CHG-2026-0001.yaml\n',
      '\x1ec2\x1f2026-11-02T10:00:00+08:00\x1fDirect edit\n\nchanges/2026/CHG-2026-0001.yaml\nrunbooks/x.md\n',
      '\x1ec1\x1f2026-11-01T10:00:00+08:00\x1fNew change (#7)\n\nchanges/2026/CHG-2026-0001.yaml\n',
    ].join('');
    const files = parseGitLog(log);
    expect(files['changes/2026/CHG-2026-0001.yaml']).toEqual({
      first: { sha: 'c1', at: '2026-11-01T10:00:00+08:00', pr: 7 },
      last: { sha: 'c3', at: '2026-11-03T10:00:00+08:00', pr: 9 },
      prs: [7, 9],
    });
    expect(files['runbooks/x.md']!.prs).toEqual([]);
  });
});
