/**
 * A Match block for root on a host where root's shell is nologin, planted on a real host: `Match User root` /
 * `PermitRootLogin yes`. sshd still authenticates root (nologin is an executable shell: a key opens port forwards with
 * `ssh -N`), and `sshd -T -C user=root` says permitrootlogin yes. Match contexts were only run for accounts whose shell
 * can start a session, so root was never judged and the row passed (a false pass). Every uid-0 account now gets its
 * context whatever its shell.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

const BASELINE = {
  id: 'rootmatch',
  title: 'root',
  checks: [{ id: 'r.prl', title: 'prl', severity: 'high', type: 'sshd_option', params: { option: 'permitrootlogin', equals: 'no' }, rationale: 'r', remediation: 'm' }],
};

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-rootm-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  fleet = await startFleet({ hosts: [{ id: 'r-nologin', sshd: { match: ['Match User root', '  PermitRootLogin yes'] } }] });
  // The host's own passwd (a private copy, written in place): root's shell becomes nologin.
  const pw = path.join(fleet.dir, 'r-nologin', 'etc', 'passwd');
  await writeFile(pw, (await readFile(pw, 'utf8')).replace(/^root:(.*):[^:\n]*$/m, 'root:$1:/usr/sbin/nologin'));
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'rootmatch.yaml'), stringify(BASELINE));
  rows = (await inspectRows(root, fleet, ['--baselines', 'rootmatch'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('Match blocks for root whatever its shell, on a real host', () => {
  it('root with nologin is still judged in its Match context: the row fails', async () => {
    expect((await execOnFleetHost(fleet, 'r-nologin', ['getent', 'passwd', 'root'])).stdout).toMatch(/:\/usr\/sbin\/nologin\n$/);
    const t = await execOnFleetHost(fleet, 'r-nologin', ['sudo', '-n', 'sshd', '-T', '-C', 'user=root,host=x,addr=127.0.0.1']);
    expect(t.stdout).toMatch(/^permitrootlogin yes$/m);
    const r = findRow(rows, 'r-nologin', 'r.prl');
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('Match context user=root');
    expect(r.reason).toContain('permitrootlogin is yes');
  });
});
