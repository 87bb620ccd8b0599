/**
 * Backup before upgrade on the real fleet: `opsgate apply` runs the typed precheck
 * `backup_fresh` on each host with real restic against real repositories.
 * - bf-fresh: its newest snapshot is 1 h old → the precheck passes, the step runs;
 * - bf-stale: 3 days old → the precheck fails with the snapshot's age, nothing runs;
 * - bf-other: a shared repository where only bf-fresh is fresh → "none" for this host.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { changeDoc, makeRepo, type TestRepo } from '../change/harness.ts';
import { cliIn, readHome, records } from '../change/fleet-helpers.ts';
import { takeBackups } from './fleet-backups.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const PASSWORD = `restic-${randomBytes(9).toString('hex')}`;
const ENV = 'RESTIC_PASSWORD_FRESH_TEST';
const HOUR = 3_600_000;
const T = Date.now();
let fleet: RunningFleet;
let repo: TestRepo;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: ['bf-fresh', 'bf-stale', 'bf-other'].map((id) => ({ id, groups: ['db'] })) });
  const own = path.join(fleet.dir, 'repo-stale');
  const shared = path.join(fleet.dir, 'repo-shared');
  const files = { 'db/dump.sql': 'INSERT 1;\n' };
  await takeBackups(fleet, PASSWORD, [
    { host: 'bf-fresh', policy: 'db', repository: shared, files, times: [new Date(T - 50 * HOUR), new Date(T - HOUR)] },
    { host: 'bf-stale', policy: 'db', repository: own, files, times: [new Date(T - 72 * HOUR)] },
  ]);
  for (const h of fleet.hosts) h.backup_repositories = [{ policy: 'db', repository: h.id === 'bf-stale' ? own : shared, password_env: ENV }];
  repo = await makeRepo(fleet);
  await repo.write('inventory/groups/db.yaml', { id: 'db', title: 'db', owners: [] });
  await repo.write('policies/backup/db.yaml', {
    id: 'db',
    title: 'db',
    targets: { groups: ['db'] },
    paths: ['/mnt/db'],
    tags: ['db'],
    tool: 'restic',
    repository: { url: '/srv/unused', password_env: ENV },
    offhost: { host: 'bf-other' },
    encryption: true,
    schedule: { full: '0 2 * * *' },
    retention: { keep_daily: 7 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
  });
  // The repository password reaches a host only when the organisation allows it, like every secret of a change.
  await repo.write('policies/organisation.yaml', { id: 'organisation', name: 'test org', default_language: 'en', allowed_secrets: ['OG_TEST_TOKEN', ENV] });
  repo.commit('backup policy db');
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('backup_fresh precheck through opsgate apply', () => {
  it("lets the upgrade run only where the host's own newest snapshot is within the bound", async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0801', {
        targets: { groups: ['db'] },
        prechecks: [{ id: 'backup-fresh', backup_fresh: { policy: 'db', within_hours: 24 } }],
        steps: [{ id: 'upgraded', kind: 'run', argv: ['sh', '-c', 'echo ran >> "$HOME/upgraded"'] }],
        rollout: { canary: 1, batch_size: 2, max_failures: 5 },
      }),
      1,
    );
    const r = await cliIn(repo.root, { [ENV]: PASSWORD }, 'apply', 'CHG-2026-0801', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect([await readHome(fleet, 'bf-fresh', 'upgraded'), await readHome(fleet, 'bf-stale', 'upgraded'), await readHome(fleet, 'bf-other', 'upgraded')]).toEqual(['ran\n', undefined, undefined]);
    const done = Object.fromEntries((await records(repo, 'CHG-2026-0801')).filter((e) => e.type === 'step.done' && e.step === 'backup-fresh').map((e) => [e.host as string, e]));
    expect(done['bf-fresh']).toMatchObject({ ok: true, exit_code: 0 });
    expect(done['bf-fresh']!.stdout).toMatch(/^fresh: newest snapshot \S+, (3[5-9]\d\d|4\d\d\d) s old \(bound 86400 s\)\n$/);
    expect(done['bf-stale']).toMatchObject({ ok: false, exit_code: 1 });
    expect(done['bf-stale']!.stdout).toMatch(/^stale: newest snapshot \S+, 2[5-9]\d\d\d\d s old \(bound 86400 s\)\n$/);
    expect(done['bf-other']).toMatchObject({ ok: false, exit_code: 1, stdout: 'none: no snapshot of this host for the policy in the repository\n' });
    const all = JSON.stringify(await records(repo, 'CHG-2026-0801'));
    expect(all).not.toContain(PASSWORD);
  }, 300_000);

  it('without the repository password apply refuses before anything runs', async () => {
    await repo.mergeChange(
      changeDoc('CHG-2026-0802', {
        targets: { hosts: ['bf-fresh'] },
        prechecks: [{ id: 'backup-fresh', backup_fresh: { policy: 'db', within_hours: 24 } }],
        steps: [{ id: 'upgraded2', kind: 'run', argv: ['sh', '-c', 'echo ran >> "$HOME/upgraded2"'] }],
      }),
      2,
    );
    const r = await cliIn(repo.root, {}, 'apply', 'CHG-2026-0802', '--identity', fleet.clientKeyPath);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toContain(`apply.secret-missing`);
    expect(await readHome(fleet, 'bf-fresh', 'upgraded2')).toBeUndefined();
  }, 120_000);
});
