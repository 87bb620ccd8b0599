/**
 * sshd under systemd (a fleet host with systemd as PID 1; its sshd is the unit og-fleet-sshd.service, not ssh or sshd):
 * a root step that gives sshd a configuration it cannot start with and restarts the unit leaves it failed, nothing
 * listening. The host must put the file back and restart the unit the daemon ran under (found from its cgroup at
 * arm, whatever it is called), and opsgate must connect again.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireSystemdHost } from '../fleet/systemd-gate.ts';
import { FLEET_SSHD } from '../fleet/systemd-host.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, count, counting, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireSystemdHost(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'sdu-broken', init: 'systemd' }] });
  repo = await makeRepo(fleet);
}, 180_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('sshd as a systemd unit under the protected-set guard', () => {
  it('a configuration sshd cannot start with, then a restart of its unit: the host puts the file back and restarts the unit', async () => {
    const host = 'sdu-broken';
    const config = path.join(fleet.dir, host, 'etc', 'ssh', 'sshd_config');
    const before = await readFile(config, 'utf8');
    const broken = `c=$(sed -e '1i NoSuchKeyword yes' /etc/ssh/sshd_config) && printf '%s\\n' "$c" > /etc/ssh/sshd_config && systemctl restart ${FLEET_SSHD}; :`;
    await repo.mergeChange(changeDoc('CHG-2026-0801', { targets: { hosts: [host] }, steps: [{ id: 'cut', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', broken] }] }), 801);
    const r = await cli('apply', 'CHG-2026-0801', '--confirm-seconds', '5');
    expect(r.code, r.out + r.err).toBe(1);
    const ev = await records(repo, 'CHG-2026-0801');
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
    expect(await readFile(config, 'utf8')).toBe(before);
    await repo.mergeChange(changeDoc('CHG-2026-0802', { targets: { hosts: [host] }, steps: [counting('after')] }), 802);
    const after = await cli('apply', 'CHG-2026-0802');
    expect(after.code, after.out + after.err).toBe(0);
    expect(await count(fleet, host, 'after')).toBe(1);
  }, 240_000);
});
