/**
 * Group membership as a login gets it: initgroups reads every /etc/group line, by gid. A second `sudo` line and a line of
 * another name with sudo's gid both give their members gid 27, which sudo and the kernel know as sudo; `getent group sudo`
 * shows neither. Planted on a real sshd host, confirmed with `id` and `sudo -l -U`, and both members must fail
 * privileged_groups.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from '../../scripts/inspect/checks-access.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { inspectRows } from './inspect-cli.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let rows: InspectionRow[];
let code: number;
let sudoGid: number;

const BASELINE = {
  id: 'groups',
  title: '特权组',
  checks: [{ id: 'g.privileged', title: '特权组', severity: 'critical', type: 'privileged_groups', params: { groups: ['sudo'] }, rationale: 'r', remediation: 'm' }],
};

const row = (host: string, id: string) => findRow(rows, host, id);

const onHost = async (id: string, argv: string[]): Promise<string> => (await execOnFleetHost(fleet, id, argv)).stdout;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-groups-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  fleet = await startFleet({
    hosts: [
      {
        id: 'g-lines',
        groups: ['web'],
        accounts: [
          { name: 'deploy', uid: 1001 },
          { name: 'eve', uid: 1002 },
        ],
        sudoersMain: ['%sudo ALL=(ALL:ALL) ALL'],
      },
    ],
  });
  const file = path.join(fleet.dir, 'g-lines', 'etc', 'group');
  const text = await readFile(file, 'utf8');
  sudoGid = Number(/^sudo:[^:]*:(\d+):/m.exec(text)![1]);
  await writeFile(file, `${text}sudo:x:${sudoGid}:deploy\nwheel2:x:${sudoGid}:eve\n`);
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'groups.yaml'), stringify(BASELINE));
  const r = await inspectRows(root, fleet, ['--baselines', 'groups']);
  code = r.code;
  rows = r.rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('group lines as initgroups reads them, on a real host', () => {
  it('a second sudo line and another name with sudo’s gid: both members hold sudo, and both fail', async () => {
    expect(code).toBe(1);
    expect(await onHost('g-lines', ['getent', 'group', 'sudo'])).toBe(`sudo:x:${sudoGid}:\n`);
    expect(await onHost('g-lines', ['id', '-Gn', 'deploy'])).toBe('deploy sudo\n');
    expect(await onHost('g-lines', ['id', '-Gn', 'eve'])).toBe('eve sudo\n');
    expect(await onHost('g-lines', ['sudo', '-n', 'sudo', '-l', '-U', 'eve'])).toContain('(ALL : ALL) ALL');
    const r = row('g-lines', 'g.privileged');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe(
      `deploy is a member of sudo (supplementary group, through the /etc/group line sudo:x:${sudoGid}) without a grant that gives root; ` +
        `eve is a member of sudo (supplementary group, through the /etc/group line wheel2:x:${sudoGid}) without a grant that gives root`,
    );
  });
});

describe('groupMembers, pure', () => {
  const groups = [
    { name: 'sudo', gid: 27, members: ['ann'] },
    { name: 'other', gid: 50, members: ['bob'] },
    { name: 'sudo', gid: 2000, members: ['cy'] },
    { name: 'wheel2', gid: 27, members: ['dan'] },
  ];
  const passwd = [{ name: 'eli', uid: 1005, gid: 2000, home: '/home/eli', shell: '/bin/sh' }];
  it('every line named sudo, and every line with one of their gids, primary too', () => {
    expect(Object.fromEntries(groupMembers(groups, passwd, { name: 'sudo' }))).toEqual({
      ann: 'supplementary group',
      cy: 'supplementary group, through the /etc/group line sudo:x:2000',
      dan: 'supplementary group, through the /etc/group line wheel2:x:27',
      eli: 'primary group',
    });
    expect([...groupMembers(groups, passwd, { gid: 50 }).keys()]).toEqual(['bob']);
    expect(groupMembers(groups, passwd, { name: 'none' }).size).toBe(0);
  });
});
