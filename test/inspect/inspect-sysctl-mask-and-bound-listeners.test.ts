/**
 * Two things a reader of names would get wrong, planted on real hosts: a persisted sysctl file masked by a link to
 * /dev/null (systemd-sysctl then reads nothing of that name, so the vendor file of the same name that sets the value is
 * not applied at boot), and listeners bound to a device (`ss` prints `[::1]%lo:8080`), which are loopback all the same.
 */
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
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
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let rows: InspectionRow[];
let code: number;

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'medium', type, params, rationale: 'r', remediation: 'm' });
const BASELINE = {
  id: 'boot',
  title: '开机与监听',
  checks: [
    check('b.ipf', 'sysctl', { key: 'net.ipv4.ip_forward', value: 0 }),
    check('b.listen', 'port_allowlist', { ports: [22], include_loopback: false }),
    check('b.listen-all', 'port_allowlist', { ports: [22] }),
  ],
};

const row = (host: string, id: string) => findRow(rows, host, id);

const onHost = async (id: string, argv: string[]): Promise<string> => (await execOnFleetHost(fleet, id, argv)).stdout;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-boot-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  fleet = await startFleet({
    hosts: [
      // The host's own 60-hardening.conf becomes a mask; the vendor file of that name is the only one that sets ip_forward.
      { id: 'b-mask', groups: ['web'], dirs: { '/usr/lib/sysctl.d': { '60-hardening.conf': 'net.ipv4.ip_forward = 0\n' } } },
      // The same vendor file without a mask: it is applied at boot, and the row passes.
      { id: 'b-vendor', groups: ['web'], dirs: { '/usr/lib/sysctl.d': { '50-vendor.conf': 'net.ipv4.ip_forward = 0\n' } } },
      // sshd also listens on loopback, bound to the device lo (SO_BINDTODEVICE through `rdomain`).
      { id: 'b-bound', groups: ['web'], sshd: { extra: ['ListenAddress [::1]:8080 rdomain lo', 'ListenAddress 127.0.0.1:8081 rdomain lo'] } },
    ],
  });
  const own = (id: string) => path.join(fleet.dir, id, 'etc', 'sysctl.d', '60-hardening.conf');
  await rm(own('b-mask'));
  await symlink('/dev/null', own('b-mask'));
  await writeFile(own('b-vendor'), (await readFile(own('b-vendor'), 'utf8')).replace(/^net\.ipv4\.ip_forward.*\n/m, ''));
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'boot.yaml'), stringify(BASELINE));
  const r = await inspectRows(root, fleet, ['--baselines', 'boot']);
  code = r.code;
  rows = r.rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('boot-time sysctl masks and device-bound listeners, on real hosts', () => {
  it('a /dev/null link masks the vendor file of its name: ip_forward is not persisted, and the row fails', async () => {
    expect(code).toBe(1);
    // What systemd-sysctl would apply at boot: the mask's name, and nothing for ip_forward.
    const cat = await onHost('b-mask', ['/lib/systemd/systemd-sysctl', '--cat-config']);
    expect(cat).toContain('# /etc/sysctl.d/60-hardening.conf');
    expect(cat).not.toMatch(/^net\.ipv4\.ip_forward/m);
    expect(row('b-mask', 'b.ipf')).toMatchObject({ status: 'fail', reason: 'not persisted in /etc/sysctl.conf or sysctl.d: passes now, reverts on reboot' });
    expect(await onHost('b-vendor', ['/lib/systemd/systemd-sysctl', '--cat-config'])).toMatch(/^net\.ipv4\.ip_forward = 0$/m);
    expect(row('b-vendor', 'b.ipf')).toMatchObject({ status: 'pass', observed: 'running 0; persisted 0 (/usr/lib/sysctl.d/50-vendor.conf)' });
  });

  it('listeners bound to lo are loopback: only 22 is judged, and the row passes', async () => {
    expect(await onHost('b-bound', ['ss', '-Hlnt'])).toMatch(/\[::1\]%lo:8080/);
    expect(row('b-bound', 'b.listen')).toMatchObject({ status: 'pass', observed: 'nothing listening' });
    // Counted with loopback, each is named by its address without the device.
    const all = row('b-bound', 'b.listen-all');
    expect(all.status).toBe('fail');
    expect(all.reason.split(': ')[1]!.split(', ').sort()).toEqual(['8080/tcp on ::1', '8081/tcp on 127.0.0.1']);
  });
});
