import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { change, group, host, person } from './fixture-docs.ts';

const NOW = new Date('2026-12-20T10:00:00+08:00');
const closure = (outcome: string) => `closure: { outcome: ${outcome}, closed_at: 2026-12-04T10:00:00+08:00, deviations: "none", reviewed_by: alice }\n`;

async function reviewCodes(extra: string, runs: { run: string; outcome?: string; at?: string }[] | undefined) {
  const repo = await repoFromFiles({
    'inventory/groups/web.yaml': group('web'),
    'inventory/hosts/web-01.yaml': host('web-01', { env: 'staging' }),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'changes/2026/CHG-2026-0001.yaml': change({ risk: 'low', extra }),
  });
  const changeRuns = runs ? new Map([['CHG-2026-0001', runs]]) : undefined;
  return lintRepo({ repo, now: NOW, existingFiles: new Set(), changeRuns })
    .filter((d) => d.code.startsWith('review.'))
    .map((d) => d.code);
}

describe('post-implementation review against the execution records', () => {
  const ran = (outcome: string) => [{ run: 'r1', outcome, at: '2026-12-03T23:00:00+08:00' }];
  it.each([
    ['succeeded closure of a succeeded run', closure('succeeded'), ran('succeeded'), []],
    ['closure says succeeded, the run failed', closure('succeeded'), ran('failed'), ['review.outcome-mismatch']],
    ['closure without any execution record', closure('succeeded'), [], ['review.no-run']],
    ['ran, ended long ago, no closure', '', ran('succeeded'), ['review.missing']],
    ['records not consulted', closure('succeeded'), undefined, []],
  ])('%s', async (_n, extra, runs, expected) => {
    expect(await reviewCodes(extra, runs)).toEqual(expected);
  });
});
