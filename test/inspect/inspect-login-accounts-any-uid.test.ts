/**
 * A login account is one whose shell can start a session, whatever its uid: planted on real hosts with accounts outside
 * 1000–59999 that anyone holding their key logs in to (uid 60001, and uid 500 in the system range, each with /bin/bash
 * and a key). The uid range used to exempt them, so an undeclared account that logs in passed (a false pass); an auditor
 * counts every account that can log in (CIS: system accounts must not have a login shell).
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
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let mallory: { privatePath: string; publicKey: string };
let rows: InspectionRow[];

const BASELINE = {
  id: 'anyuid',
  title: '登录账号',
  checks: [{ id: 'a.declared', title: 'declared', severity: 'critical', type: 'accounts', params: { uid0_allowed: ['root'], allow_accounts: ['opsgate'] }, rationale: 'r', remediation: 'm' }],
};

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-anyuid-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  mallory = await generateKeyPair(path.join(keyDir, 'mallory'), 'ed25519', 'mallory');
  fleet = await startFleet({
    hosts: [
      { id: 'u-high', accounts: [{ name: 'svc-hi', uid: 60001, shell: '/bin/bash', keys: [mallory.publicKey] }] },
      { id: 'u-sys', accounts: [{ name: 'sysbash', uid: 500, shell: '/bin/bash', keys: [mallory.publicKey] }] },
      // The same uids with nologin: not login accounts, and the row passes.
      {
        id: 'u-nologin',
        accounts: [
          { name: 'svc-hi', uid: 60001, shell: '/usr/sbin/nologin' },
          { name: 'sysd', uid: 500, shell: '/usr/sbin/nologin' },
        ],
      },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'anyuid.yaml'), stringify(BASELINE));
  rows = (await inspectRows(root, fleet, ['--baselines', 'anyuid'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('login accounts whatever their uid, on real hosts', () => {
  it.each([
    ['u-high', 'svc-hi', 60001],
    ['u-sys', 'sysbash', 500],
  ])('%s: %s (uid %d) logs in with its key, and the row fails naming it', async (host, name, uid) => {
    const as = { user: name, keyPath: mallory.privatePath };
    expect(await execOnFleetHost(fleet, host, ['id', '-u'], as)).toEqual({ code: 0, stdout: `${uid}\n` });
    expect((await execOnFleetHost(fleet, host, ['getent', 'passwd', name])).stdout).toBe(`${name}:x:${uid}:${uid}::/home/${name}:/bin/bash\n`);
    const r = findRow(rows, host, 'a.declared');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe(`${name} (uid ${uid}) is not declared by any current grant`);
    expect(r.observed).toContain(`${name}(${uid})`);
  });

  it('the same uids with nologin are no login accounts: the row passes', async () => {
    expect((await execOnFleetHost(fleet, 'u-nologin', ['getent', 'passwd', 'svc-hi'])).stdout).toMatch(/:\/usr\/sbin\/nologin\n$/);
    expect(findRow(rows, 'u-nologin', 'a.declared')).toMatchObject({ status: 'pass', reason: '' });
  });
});
