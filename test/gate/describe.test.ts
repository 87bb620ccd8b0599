import { describe, expect, it } from 'vitest';
import { describeDocument, kindOfPath } from '../../scripts/gate/describe.ts';

const ctx = {
  hosts: new Map([
    ['db-01', { id: 'db-01', env: 'prod' as const, groups: ['db'] }],
    ['app-03', { id: 'app-03', env: 'staging' as const, groups: ['app-staging'] }],
  ]),
  groupEnvs: new Map<string, 'prod' | 'staging' | undefined>([
    ['web-staging', 'staging'],
    ['legacy', undefined],
  ]),
};

describe('describeDocument', () => {
  it.each([
    ['changes/2026/CHG-2026-0001.yaml', 'change'],
    ['inventory/hosts/db-01.yaml', 'host'],
    ['policies/access/grants/g1.yaml', 'grant'],
    ['runbooks/mysql.md', 'runbook'],
    ['policies/approval.yaml', 'approval'],
    ['scripts/gate/evaluate.ts', 'file'],
  ])('%s is a %s', (p, kind) => expect(kindOfPath(p)).toBe(kind));

  it.each([
    ['target hosts give env and groups', { hosts: ['db-01'] }, ['prod'], ['db'], 0],
    ['a group gives its env', { groups: ['web-staging'] }, ['staging'], ['web-staging'], 0],
    ['a group without env is assumed prod', { groups: ['legacy'] }, ['prod'], ['legacy'], 0],
    ['an unknown host is assumed prod and reported', { hosts: ['ghost-01'] }, ['prod'], [], 1],
  ])('%s', (_, targets, envs, groups, problems) => {
    const d = describeDocument('changes/2026/CHG-2026-0001.yaml', 'added', { id: 'CHG-2026-0001', type: 'normal', risk: 'low', targets, steps: [] }, ctx);
    expect([d.envs, d.groups, d.problems.length]).toEqual([envs, groups, problems]);
  });

  it('an unreadable type or risk never lowers the bar', () => {
    const d = describeDocument('changes/2026/CHG-2026-0001.yaml', 'added', { id: 'CHG-2026-0001', type: 'whatever', risk: 'tiny', targets: {} }, ctx);
    expect(d.change).toMatchObject({ type: 'normal', risk: 'critical' });
    expect(d.problems).toHaveLength(2);
  });
});
