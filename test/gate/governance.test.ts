import { describe, expect, it } from 'vitest';
import { BUILT_IN_GOVERNANCE_PATHS, ROUTING_FIELDS, hostRoutingChanges } from '../../scripts/gate/governance.ts';
import { findDuplicateHosts } from '../../scripts/gate/host-identity.ts';
import { buildSubjects, matchGovernance } from '../../scripts/gate/match.ts';
import type { ApprovalPolicy, ChangedFile } from '../../scripts/gate/types.ts';

/** The one list of what always needs the highest tier (issue 10, item 4), whatever the policy says. */
const emptyPolicy: ApprovalPolicy = { id: 'approval', teams: {}, governance: { paths: [], require: { count: 1, from: { teams: [] } } }, rules: [] };
const governed = (path: string) => matchGovernance(emptyPolicy, buildSubjects([{ path, status: 'modified' } satisfies ChangedFile], [])).subjects.length > 0;

describe('governance tier', () => {
  it.each([
    'policies/approval.yaml',
    'policies/access/people/li-na.yaml',
    'policies/organisation.yaml',
    'records/gate/yunfan/ops/pr-7.jsonl',
    'records/changes/CHG-2026-0001/run.jsonl',
    'schemas/change.schema.json',
    'scripts/gate/evaluate.ts',
    '.github/workflows/apply.yml',
    '.ci/run',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'action.yml',
  ])('%s always needs the highest tier', (path) => {
    expect(governed(path)).toBe(true);
  });

  it.each(['runbooks/a.md', 'changes/2026/CHG-2026-0001.yaml', 'inventory/hosts/web-01.yaml', 'policies/calendar.yaml'])('%s is judged by the rules', (path) => {
    expect(governed(path)).toBe(false);
  });

  it('names every field that executes on the runner or routes a connection', () => {
    expect([...ROUTING_FIELDS].sort()).toEqual(['address', 'host_keys', 'jump_host', 'port', 'proxy_command', 'user']);
    expect(BUILT_IN_GOVERNANCE_PATHS).toContain('records/**');
  });

  it.each([
    [{ address: 'a' }, { address: 'b' }, ['address']],
    [{ port: 22 }, { port: 2222 }, ['port']],
    [{ user: 'ops' }, { user: 'root' }, ['user']],
    [{ host_keys: ['k1'] }, { host_keys: ['k2'] }, ['host_keys']],
    [{}, { proxy_command: ['nc', '%h', '%p'] }, ['proxy_command']],
    [{ jump_host: 'bastion-01' }, {}, ['jump_host']],
    [{ description: 'a' }, { description: 'b' }, []],
  ])('a host edit %j → %j changes %j', (base, head, fields) => {
    expect(hostRoutingChanges('h', base, head).map((w) => /: (\w+) changed/.exec(w)![1])).toEqual(fields);
  });

  it('a new host that routes through something is governance; a plain new host is not', () => {
    expect(hostRoutingChanges('h', undefined, { address: 'a', proxy_command: ['x'] })).toHaveLength(1);
    expect(hostRoutingChanges('h', undefined, { address: 'a' })).toEqual([]);
  });

  it('finds a host that is another host under a new name', () => {
    const hosts = [
      { id: 'db-01', file: 'inventory/hosts/db-01.yaml', address: '10.0.0.1', host_keys: ['ssh-ed25519 AAAA db01'] },
      { id: 'app-09', file: 'inventory/hosts/app-09.yaml', address: '10.0.0.1', port: 22 },
      { id: 'app-10', file: 'inventory/hosts/app-10.yaml', address: '10.0.0.1', port: 2222, host_keys: ['ssh-ed25519 AAAA other-comment'] },
      { id: 'app-11', file: 'inventory/hosts/app-11.yaml', address: '10.0.0.2', port: 22 },
      // The same address behind another bastion or proxy command is another machine (namespaced test hosts, NAT).
      { id: 'ns-1', file: 'inventory/hosts/ns-1.yaml', address: '10.0.0.1', route: '["nc","ns-1"]' },
    ];
    expect(findDuplicateHosts(hosts, new Set(['app-09', 'app-10', 'app-11', 'ns-1'])).map((d) => [d.id, d.other, d.what])).toEqual([
      ['app-09', 'db-01', 'address'],
      ['app-10', 'db-01', 'host key'],
    ]);
  });
});
