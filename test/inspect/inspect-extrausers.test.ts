/**
 * libnss-extrausers on a real host (nsswitch.conf names extrausers for passwd, group and shadow; its files in
 * /var/lib/extrausers). Its account xeve (bash, a key) logs in and must fail `accounts`. Its group file lists xeve in
 * sudo, twice (a second `sudo` line, and `grp2` with gid 27): libnss-extrausers serves no group below gid 1000, so neither
 * gives xeve the group at login (`id`, `getent initgroups`, `sudo -l -U` say so), and privileged_groups must pass.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

const MACHINE = requireMachine([...NEEDS.fleetNamespaces, 'extrausers']);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let xkey: { privatePath: string; publicKey: string };
let rows: InspectionRow[];
let cleanup: (() => Promise<void>) | undefined;

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'critical', type, params, rationale: 'r', remediation: 'm' });
const BASELINE = { id: 'xu', title: 'extrausers', checks: [check('x.accounts', 'accounts', { allow_accounts: ['opsgate'] }), check('x.priv', 'privileged_groups', {})] };
const onHost = async (argv: string[]) => (await execOnFleetHost(fleet, 'x-extra', argv)).stdout;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-xu-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  xkey = await generateKeyPair(path.join(keyDir, 'xeve'), 'ed25519', 'xeve');
  const nss = (await readFile('/etc/nsswitch.conf', 'utf8')).replace(/^(passwd|group|shadow):(.*)$/gm, '$1:$2 extrausers');
  cleanup = machineMountPoints(['/var/lib/extrausers']);
  fleet = await startFleet({
    hosts: [
      {
        id: 'x-extra',
        files: { '/etc/nsswitch.conf': nss },
        dirs: {
          '/var/lib/extrausers': {
            passwd: 'xeve:x:2400:2400::/mnt/xeve:/bin/bash\n',
            group: 'xeve:x:2400:\nsudo:x:27:xeve\ngrp2:x:27:xeve\n',
            shadow: 'xeve:*:20000:0:99999:7:::\n',
          },
        },
        mntFiles: { 'xeve/.ssh/authorized_keys': { content: `${xkey.publicKey}\n` } },
      },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'xu.yaml'), stringify(BASELINE));
  rows = (await inspectRows(root, fleet, ['--baselines', 'xu'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await cleanup?.();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('libnss-extrausers accounts and groups, on a real host', () => {
  it('its account logs in with its key and is not in /etc/passwd: accounts fails naming it', async () => {
    expect(await onHost(['getent', 'passwd', 'xeve'])).toBe('xeve:x:2400:2400::/mnt/xeve:/bin/bash\n');
    expect((await execOnFleetHost(fleet, 'x-extra', ['grep', '-c', '^xeve:', '/etc/passwd'])).stdout).toBe('0\n');
    expect(await execOnFleetHost(fleet, 'x-extra', ['id', '-u'], { user: 'xeve', keyPath: xkey.privatePath })).toEqual({ code: 0, stdout: '2400\n' });
    const r = findRow(rows, 'x-extra', 'x.accounts');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe('xeve (uid 2400) is not declared by any current grant');
  });

  it('its group lines do not make xeve a member of sudo at login: privileged_groups passes', async () => {
    expect(await onHost(['id', '-Gn', 'xeve'])).toBe('xeve\n');
    expect(await onHost(['sudo', '-n', 'sudo', '-l', '-U', 'xeve'])).toMatch(/not allowed to run sudo/);
    // libnss-extrausers shows no group below gid 1000 at all: neither line exists for NSS.
    expect(await onHost(['getent', 'group', 'grp2'])).toBe('');
    expect(await onHost(['getent', 'initgroups', 'xeve'])).toMatch(/^xeve\s*$/);
    expect(findRow(rows, 'x-extra', 'x.priv')).toMatchObject({ status: 'pass', reason: '' });
  });
});
