import { describe, expect, it } from 'vitest';
import { policyTargets } from '../../scripts/converge/backup-plan.ts';
import type { Doc } from '../../scripts/repo/parse-document.ts';
import { targetIndex, targetsOf } from '../../scripts/rules/backup-secret-rules.ts';

describe('targetsOf and targetIndex (the backup-secret rule’s set-based policyTargets)', () => {
  it('picks exactly the hosts policyTargets picks, for every policy and host', () => {
    const groups = ['web', 'db', 'cache', 'ops'];
    const hosts = Array.from({ length: 40 }, (_, i) => ({ id: `h-${i % 37}`, data: { groups: groups.filter((_, g) => (i >> g) & 1) } })) as unknown as Doc<'host'>[];
    const policies = [
      { targets: {} },
      { targets: { hosts: [] } },
      { targets: { hosts: ['h-1', 'h-2', 'h-36', 'nope'] } },
      { targets: { groups: ['db'] } },
      { targets: { groups: ['web', 'ops'], hosts: ['h-0'] } },
      { targets: { groups: [], hosts: ['h-3'] } },
      { targets: { groups: ['none'] } },
    ] as unknown as Parameters<typeof targetsOf>[0][];
    let picked = 0;
    const indexed = targetIndex(hosts);
    for (const p of policies) {
      const expected = hosts.filter((h) => policyTargets(p, h));
      expect(hosts.filter(targetsOf(p))).toEqual(expected);
      expect(indexed(p)).toEqual(expected);
      picked += expected.length;
    }
    expect(picked).toBeGreaterThan(40);
  });
});
