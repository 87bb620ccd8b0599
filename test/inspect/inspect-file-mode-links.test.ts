/**
 * file_mode on a symbolic link, planted on real hosts. A link's own mode is always 0777 and means nothing: what the system
 * enforces on every open is the mode, owner and group of the file the link resolves to, so that is what the baseline
 * means (a link to a 0644 root file passed as 0777 before: a false fail). The link itself is a finding when it dangles,
 * when it resolves outside the tree it lives in (/etc), or when anyone but root can replace what it resolves to (a
 * directory on the way owned by another account, or writable by group or others).
 */
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

const D = '/etc/sysctl.d'; // the host's own directory (not a .conf name: systemd-sysctl ignores these files)
const LINKS = ['l-sib', 'l-wide', 'l-dangling', 'l-home', 'l-usr', 'l-sub'];
const BASELINE = {
  id: 'links',
  title: '链接',
  checks: [
    ...LINKS.map((l) => ({
      id: `m.${l}`,
      title: l,
      severity: 'high',
      type: 'file_mode',
      params: { path: `${D}/${l}`, max_mode: '0644', owner: 'root', group: 'root' },
      rationale: 'r',
      remediation: 'm',
    })),
    { id: 'm.regular', title: 'regular', severity: 'high', type: 'file_mode', params: { path: `${D}/real`, max_mode: '0644', owner: 'root', group: 'root' }, rationale: 'r', remediation: 'm' },
  ],
};

const row = (id: string) => findRow(rows, 'l-host', id);
const onHost = async (argv: string[]) => (await execOnFleetHost(fleet, 'l-host', argv)).stdout;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-links-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  fleet = await startFleet({ hosts: [{ id: 'l-host', accounts: [{ name: 'eve', uid: 2101, shell: '/usr/sbin/nologin', homeFiles: { 'sysctl-file': 'x\n' } }] }] });
  const own = (rel: string) => path.join(fleet.dir, 'l-host', 'etc', 'sysctl.d', rel);
  await writeFile(own('real'), 'x\n', { mode: 0o644 });
  await chmod(own('real'), 0o644);
  await writeFile(own('wide'), 'x\n');
  await chmod(own('wide'), 0o666);
  await symlink('real', own('l-sib'));
  await symlink('wide', own('l-wide'));
  await symlink('nowhere', own('l-dangling'));
  // A root file 0644 in eve's home: its mode passes, but eve owns the directory and can put any file in its place.
  const eveFile = path.join(fleet.dir, 'l-host', 'home', 'eve', 'sysctl-file');
  await chown(eveFile, 0, 0);
  await chmod(eveFile, 0o644);
  await symlink('/home/eve/sysctl-file', own('l-home'));
  await symlink('../../usr/lib/os-release', own('l-usr'));
  // Inside /etc, through a directory eve owns (group root, mode 0755): the file is root's, the directory is not.
  await mkdir(own('shared'));
  await writeFile(own('shared/file'), 'x\n');
  await chmod(own('shared/file'), 0o644);
  await chown(own('shared'), 2101, 0);
  await symlink('shared/file', own('l-sub'));
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'links.yaml'), stringify(BASELINE));
  rows = (await inspectRows(root, fleet, ['--baselines', 'links'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('file_mode on symbolic links, on real hosts', () => {
  it('a link is judged by the file it resolves to, and says so', async () => {
    expect(await onHost(['stat', '-c', '%a %F', `${D}/l-sib`])).toBe('777 symbolic link\n');
    expect(await onHost(['stat', '-L', '-c', '%a %U %G', `${D}/l-sib`])).toBe('644 root root\n');
    expect(row('m.l-sib')).toMatchObject({ status: 'pass', observed: `${D}/l-sib -> ${D}/real (judged by the link's target) 0644 root:root`, reason: '' });
    expect(row('m.regular')).toMatchObject({ status: 'pass', observed: `${D}/real 0644 root:root` });
    expect(await onHost(['stat', '-L', '-c', '%a', `${D}/l-wide`])).toBe('666\n');
    expect(row('m.l-wide')).toMatchObject({ status: 'fail', reason: `mode 0666 has bits beyond 0644 (world-writable), on ${D}/wide (the link's target)` });
  });

  it('a dangling link is a located finding', async () => {
    expect((await execOnFleetHost(fleet, 'l-host', ['stat', '-L', `${D}/l-dangling`])).code).not.toBe(0);
    expect(row('m.l-dangling')).toMatchObject({ status: 'fail', reason: `${D}/l-dangling is a link to ${D}/nowhere, which does not exist` });
  });

  it('a link whose target another account can replace fails, naming the directory', async () => {
    expect(await onHost(['stat', '-L', '-c', '%a %U %G', `${D}/l-home`])).toBe('644 root root\n');
    expect(await onHost(['namei', '-l', `${D}/l-home`])).toMatch(/^drwx\S* eve +eve +eve$/m);
    expect(row('m.l-home')).toMatchObject({
      status: 'fail',
      reason: `${D}/l-home is a link to /home/eve/sysctl-file, outside /etc, and /home/eve (owner eve) lets someone other than root replace it`,
    });
  });

  it('a link inside /etc through a directory another account owns fails too', async () => {
    expect(await onHost(['namei', '-l', `${D}/l-sub`])).toMatch(/^drwx\S* eve +root +shared$/m);
    expect(row('m.l-sub')).toMatchObject({ status: 'fail', reason: `${D}/l-sub is a link to ${D}/shared/file, and ${D}/shared (owner eve) lets someone other than root replace it` });
  });

  it('a link out of the tree it lives in fails, naming where it points', async () => {
    expect(await onHost(['readlink', '-f', `${D}/l-usr`])).toBe('/usr/lib/os-release\n');
    expect(row('m.l-usr')).toMatchObject({ status: 'fail', reason: `${D}/l-usr is a link to /usr/lib/os-release, outside /etc` });
  });
});
