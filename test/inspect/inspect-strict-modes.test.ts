/**
 * `StrictModes no` is a finding (ssh-hardening's ssh.strict-modes): sshd then takes keys from an authorized_keys, .ssh
 * or home anyone can write. Judged from the daemon's own view (sshd -T), so an Include read before the main file's
 * value wins, as sshd's first-match-wins reading has it. Planted on real hosts; the effective value confirmed with
 * sshd -T on each.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { planBaselineRemediation } from '../../scripts/converge/baseline.ts';
import type { CheckDef, InspectionRow } from '../../scripts/inspect/model.ts';
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
let check: CheckDef;

const INCLUDED = { '/etc/ssh/og.d': { '10-loose.conf': 'StrictModes no\n' } };
const HOSTS = {
  's-off': { sshd: { extra: ['StrictModes no'] }, effective: 'no', status: 'fail' },
  's-include-first': { sshd: { extra: ['Include /etc/ssh/og.d/*.conf', 'StrictModes yes'] }, dirs: INCLUDED, effective: 'no', status: 'fail' },
  's-include-later': { sshd: { extra: ['StrictModes yes', 'Include /etc/ssh/og.d/*.conf'] }, dirs: INCLUDED, effective: 'yes', status: 'pass' },
  's-default': { effective: 'yes', status: 'pass' },
} as const;

beforeAll(async () => {
  const hardening = parse(await readFile(path.resolve(import.meta.dirname, '../../policies/baselines/ssh-hardening.yaml'), 'utf8')) as { checks: CheckDef[] };
  check = hardening.checks.find((c) => c.id === 'ssh.strict-modes')!;
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-strict-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  fleet = await startFleet({
    hosts: Object.entries(HOSTS).map(([id, h]) => ({ id, ...('sshd' in h ? { sshd: { extra: [...h.sshd.extra] } } : {}), ...('dirs' in h ? { dirs: h.dirs } : {}) })),
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'strict.yaml'), stringify({ id: 'strict', title: 'strict', checks: [check] }));
  rows = (await inspectRows(root, fleet, ['--baselines', 'strict'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

it('the sample ssh-hardening baseline has the check, and converge can set it', () => {
  expect(check).toMatchObject({ type: 'sshd_option', params: { option: 'strictmodes', equals: 'yes' } });
  const plan = planBaselineRemediation('h', [{ check: check.id, status: 'fail', observed: 'strictmodes no' } as InspectionRow], new Map([[check.id, check]]));
  expect(plan.sshd).toEqual([{ check: 'ssh.strict-modes', keyword: 'StrictModes', value: 'yes' }]);
});

MACHINE.describe('StrictModes, on real hosts', () => {
  it.each(Object.keys(HOSTS) as Array<keyof typeof HOSTS>)('%s: the row judges the value sshd uses', async (host) => {
    const h = HOSTS[host];
    const t = await execOnFleetHost(fleet, host, ['sh', '-c', 'sudo -n sshd -T -f /etc/ssh/sshd_config | grep ^strictmodes']);
    expect(t.stdout).toBe(`strictmodes ${h.effective}\n`);
    const r = findRow(rows, host, 'ssh.strict-modes');
    expect(r.status, r.reason).toBe(h.status);
    expect(r.observed).toBe(`strictmodes ${h.effective}`);
  });
});
