/**
 * A file system out of inodes, mounted elsewhere than /, planted on a real host: every block free, yet nothing can create a
 * file there (confirmed by trying). disk_usage judged the blocks alone and passed; inodes used count like blocks used.
 */
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';
import { parseDf } from '../../scripts/inspect/parse-system.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'huntdisk',
  title: '磁盘',
  checks: [{ id: 'd.mnt', title: '磁盘', severity: 'medium', type: 'disk_usage', params: { mounts: ['/mnt'], warn_at: 80, fail_at: 90 }, rationale: 'r', remediation: 'm' }],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntdisk',
  baseline: BASELINE,
  fleet: () => ({
    hosts: [
      { id: 'd-inodes', mntInodes: { count: 64, fill: true } },
      { id: 'd-free', mntInodes: { count: 64 } },
    ],
  }),
});

MACHINE.describe('inodes, on real hosts', () => {
  it('d-inodes: no file can be created on /mnt, and the row fails naming its inodes', async () => {
    const t = await execOnFleetHost(suite.fleet, 'd-inodes', ['sh', '-c', 'sudo -n touch /mnt/one-more 2>&1; df -P -k /mnt | tail -1']);
    expect(t.stdout).toMatch(/No space left on device/);
    expect(t.stdout).toMatch(/\s[0-9]%\s+\/mnt\n$/);
    const r = findRow(suite.rows, 'd-inodes', 'd.mnt');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe('at or above fail_at 90%: /mnt inodes 100%');
  });

  it('d-free: inodes to spare, the row passes and shows both figures', () => {
    const r = findRow(suite.rows, 'd-free', 'd.mnt');
    expect(r.status).toBe('pass');
    expect(r.observed).toMatch(/^\/mnt \d+%, \/mnt inodes \d+%$/);
  });
});

it('parseDf: inodes matched by file system and mount; none where the file system keeps no counts', () => {
  const text = [
    'Filesystem Type 1024-blocks Used Available Capacity Mounted on',
    '/dev/vda ext4 1000 100 900 10% /',
    '/dev/vdb btrfs 1000 100 900 10% /srv',
    '#inodes',
    'Filesystem Type Inodes IUsed IFree IUse% Mounted on',
    '/dev/vda ext4 1000 999 1 100% /',
    '/dev/vdb btrfs 0 0 0 - /srv',
    '',
  ].join('\n');
  expect(parseDf(text).map((d) => [d.mount, d.usedPercent, d.inodesUsedPercent])).toEqual([
    ['/', 10, 100],
    ['/srv', 10, undefined],
  ]);
  expect(parseDf(text.slice(0, text.indexOf('#inodes')))[0]!.inodesUsedPercent).toBeUndefined();
});
