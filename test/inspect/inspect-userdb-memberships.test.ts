/**
 * Group memberships only NSS knows, planted on a real host: systemd userdb's /etc/userdb/USER:GROUP.membership files
 * (nss-systemd's initgroups adds the group at login, `id` shows it, and `sudo -l -U` grants %sudo through it) while
 * /etc/group does not list the account. Read from /etc/group alone, eve's sudo membership passed (a false pass). An empty
 * membership file is a mask to systemd 252's reader and grants nothing, and a userdb group record's member list
 * (wheel: ada) is shown by `getent group` but given to no login: ada stays out of both, and must not be reported.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { inspectRows } from './inspect-cli.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow, machineMountPoints } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let rows: InspectionRow[];
let cleanup: (() => Promise<void>) | undefined;

const BASELINE = {
  id: 'members',
  title: '特权组',
  checks: [{ id: 'g.priv', title: 'priv', severity: 'critical', type: 'privileged_groups', params: {}, rationale: 'r', remediation: 'm' }],
};
const onHost = async (id: string, argv: string[]) => (await execOnFleetHost(fleet, id, argv)).stdout;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-members-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  cleanup = machineMountPoints(['/etc/userdb']);
  fleet = await startFleet({
    hosts: [
      {
        id: 'g-userdb',
        accounts: [
          { name: 'eve', uid: 2200, shell: '/bin/bash' },
          { name: 'ada', uid: 2201, shell: '/bin/bash' },
        ],
        dirs: {
          '/etc/userdb': {
            'eve:sudo.membership': '\n',
            'ada:sudo.membership': '',
            // A userdb group record listing ada: getent group shows her, but no login gets the group through it.
            'wheel.group': `${JSON.stringify({ groupName: 'wheel', gid: 2310, members: ['ada'] })}\n`,
          },
        },
      },
      { id: 'g-clean', accounts: [{ name: 'eve', uid: 2200, shell: '/bin/bash' }] },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'members.yaml'), stringify(BASELINE));
  rows = (await inspectRows(root, fleet, ['--baselines', 'members'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await cleanup?.();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('group memberships systemd userdb grants, on a real host', () => {
  it('eve is in sudo only through a membership file: id and sudo -l -U say so, and the row fails naming the source', async () => {
    expect(await onHost('g-userdb', ['getent', 'group', 'sudo'])).toBe('sudo:x:27:\n');
    expect(await onHost('g-userdb', ['id', '-Gn', 'eve'])).toBe('eve sudo\n');
    expect(await onHost('g-userdb', ['sudo', '-n', 'sudo', '-l', '-U', 'eve'])).toMatch(/\(ALL : ALL\) ALL/);
    expect(await onHost('g-userdb', ['id', '-Gn', 'ada'])).toBe('ada\n');
    expect(await onHost('g-userdb', ['getent', 'group', 'wheel'])).toBe('wheel:x:2310:ada\n');
    const r = findRow(rows, 'g-userdb', 'g.priv');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe('eve is a member of sudo (supplementary group, through NSS (getent initgroups eve; no /etc/group line lists eve)) without a grant that gives root');
    expect(r.evidence).toContain('getent initgroups');
  });

  it('without the files the same account is in no privileged group', async () => {
    expect(findRow(rows, 'g-clean', 'g.priv')).toMatchObject({ status: 'pass' });
  });
});
