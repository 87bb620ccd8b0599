/**
 * A sudoers file is only as safe as who can write it: a file sudo reads (/etc/sudoers, an @include, every file of an
 * @includedir) or a directory that holds one, writable by group or others or owned by anyone but root, lets that
 * account write its own rule. Planted on real hosts; each is a finding naming the file, its mode and its owner. What sudo
 * itself then does is recorded beside it (sudo -n true's answer).
 */
import { chmod, chown } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow, fleetSudoersCheck } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'sudomodes',
  title: 'sudo',
  checks: [fleetSudoersCheck('s.sudo')],
};
const RULE = 'root ALL=(ALL:ALL) ALL\n';
const TEAM = { '/etc/sudoers.team': { team: RULE } };

/** host → the finding the row must carry ('' for none). */
const HOSTS: Record<string, { spec: Record<string, unknown>; plant?: (dir: string) => Promise<void>; finding: string }> = {
  'p-clean': { spec: { sudoersFiles: { '70-team': RULE } }, finding: '' },
  'p-world': {
    spec: { sudoersFiles: { '70-team': RULE } },
    plant: (d) => chmod(path.join(d, 'etc/sudoers.d/70-team'), 0o446),
    finding: '/etc/sudoers.d/70-team is writable by others (mode 0446, owner root:root)',
  },
  'p-group': {
    spec: { sudoersFiles: { '70-team': RULE } },
    plant: (d) => chmod(path.join(d, 'etc/sudoers.d/70-team'), 0o460),
    finding: '/etc/sudoers.d/70-team is writable by its group (mode 0460, owner root:root)',
  },
  'p-owner': {
    spec: { sudoersFiles: { '70-team': RULE }, accounts: [{ name: 'eve', uid: 2101, shell: '/usr/sbin/nologin' }] },
    plant: (d) => chown(path.join(d, 'etc/sudoers.d/70-team'), 2101, 2101),
    finding: '/etc/sudoers.d/70-team is owned by eve, not root (mode 0440, owner eve:eve)',
  },
  'p-incdir': {
    spec: { sudoersMain: ['@includedir /etc/sudoers.team'], dirs: TEAM },
    plant: (d) => chmod(path.join(d, 'dirs/0'), 0o777),
    finding: '/etc/sudoers.team (a directory sudo reads files from) is writable by others (mode 0777, owner root:root)',
  },
  'p-include': {
    spec: { sudoersMain: ['@include /etc/sudoers.team/team'], dirs: TEAM },
    plant: (d) => chmod(path.join(d, 'dirs/0/team'), 0o666),
    finding: '/etc/sudoers.team/team is writable by others (mode 0666, owner root:root)',
  },
};
const sudoSays: Record<string, string> = {};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'sudomodes',
  baseline: BASELINE,
  fleet: () => ({ hosts: Object.entries(HOSTS).map(([id, h]) => ({ id, ...h.spec })) }),
  afterStart: async (fleet) => {
    for (const [id, h] of Object.entries(HOSTS)) await h.plant?.(path.join(fleet.dir, id));
    for (const id of Object.keys(HOSTS)) sudoSays[id] = (await execOnFleetHost(fleet, id, ['sh', '-c', 'sudo -n true 2>&1; echo "rc=$?"'])).stdout.trim();
  },
});

MACHINE.describe('who can write what sudo reads, on real hosts', () => {
  it.each(Object.keys(HOSTS))('%s', async (host) => {
    const h = HOSTS[host]!;
    const r = findRow(suite.rows, host, 's.sudo');
    if (!h.finding) {
      expect(r.status, `${r.reason} | sudo: ${sudoSays[host]}`).toBe('pass');
      return;
    }
    expect(r.status, `sudo: ${sudoSays[host]}`).toBe('fail');
    expect(r.reason, `sudo: ${sudoSays[host]}`).toContain(h.finding);
  });
});
