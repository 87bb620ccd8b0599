/**
 * Which files the boot actually reads, planted on real hosts. systemd-sysctl (what applies sysctls at boot when systemd is
 * the init, and on Debian procps.service is only an alias of it) reads *.conf in the sysctl.d directories and never
 * /etc/sysctl.conf itself: Debian reads that file only through the /etc/sysctl.d/99-sysctl.conf link. A value set only in
 * /etc/sysctl.conf without that link is gone after a reboot (a false pass before). And a glob line
 * (`net.ipv4.conf.*.accept_redirects = 0`) sets every key it matches that no line names explicitly (a false fail before:
 * "not persisted").
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

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'medium', type, params, rationale: 'r', remediation: 'm' });
const BASELINE = {
  id: 'bootread',
  title: '开机读取',
  checks: [check('r.ipf', 'sysctl', { key: 'net.ipv4.ip_forward', value: 0 }), check('r.redir', 'sysctl', { key: 'net.ipv4.conf.all.accept_redirects', value: 0 })],
};

const row = (host: string, id: string) => findRow(rows, host, id);
const onHost = async (id: string, argv: string[]): Promise<string> => (await execOnFleetHost(fleet, id, argv)).stdout;
const SYSCTL_BIN = '/lib/systemd/systemd-sysctl';

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-bootread-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  fleet = await startFleet({ hosts: [{ id: 'r-conf' }, { id: 'r-linked' }, { id: 'r-glob' }, { id: 'r-glob-explicit' }] });
  const etc = (id: string, rel: string) => path.join(fleet.dir, id, 'etc', rel);
  const dropLine = async (id: string, re: RegExp) => writeFile(etc(id, 'sysctl.d/60-hardening.conf'), (await readFile(etc(id, 'sysctl.d/60-hardening.conf'), 'utf8')).replace(re, ''));
  // ip_forward = 0 only in /etc/sysctl.conf; r-linked also has Debian's 99-sysctl.conf link to it.
  for (const id of ['r-conf', 'r-linked']) {
    await dropLine(id, /^net\.ipv4\.ip_forward.*\n/m);
    await writeFile(etc(id, 'sysctl.conf'), '# local settings\nnet.ipv4.ip_forward = 0\n');
  }
  await symlink('../sysctl.conf', etc('r-linked', 'sysctl.d/99-sysctl.conf'));
  // all.accept_redirects only through a glob: 0 on r-glob; on r-glob-explicit the glob says 1 but the explicit line (0) wins.
  await dropLine('r-glob', /^net\.ipv4\.conf\.all\.accept_redirects.*\n/m);
  await writeFile(etc('r-glob', 'sysctl.d/70-glob.conf'), 'net.ipv4.conf.*.accept_redirects = 0\n');
  await writeFile(etc('r-glob-explicit', 'sysctl.d/70-glob.conf'), 'net.ipv4.conf.*.accept_redirects = 1\n');
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'bootread.yaml'), stringify(BASELINE));
  rows = (await inspectRows(root, fleet, ['--baselines', 'bootread'])).rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('persisted sysctls as the boot reads them, on real hosts', () => {
  it('/etc/sysctl.conf without the 99-sysctl.conf link is not read at boot: the row fails and says why', async () => {
    const cat = await onHost('r-conf', [SYSCTL_BIN, '--cat-config']);
    expect(cat).not.toContain('/etc/sysctl.conf');
    expect(cat).not.toMatch(/^net\.ipv4\.ip_forward/m);
    expect(await onHost('r-conf', ['cat', '/proc/sys/net/ipv4/ip_forward'])).toBe('0\n');
    expect(row('r-conf', 'r.ipf')).toMatchObject({
      status: 'fail',
      observed: 'running 0; persisted (none)',
      reason: expect.stringContaining('/etc/sysctl.conf:2 sets 0, but systemd-sysctl does not read /etc/sysctl.conf (no link to it in sysctl.d)'),
    });
  });

  it('with the link it is read, under the link name', async () => {
    expect(await onHost('r-linked', [SYSCTL_BIN, '--cat-config'])).toMatch(/# \/etc\/sysctl\.d\/99-sysctl\.conf\n# local settings\nnet\.ipv4\.ip_forward = 0/);
    expect(row('r-linked', 'r.ipf')).toMatchObject({ status: 'pass', observed: 'running 0; persisted 0 (/etc/sysctl.d/99-sysctl.conf)' });
  });

  it('a glob line sets the keys no line names explicitly; an explicit line wins over a glob', async () => {
    expect(await onHost('r-glob', [SYSCTL_BIN, '--cat-config'])).toMatch(/^net\.ipv4\.conf\.\*\.accept_redirects = 0$/m);
    expect(row('r-glob', 'r.redir')).toMatchObject({ status: 'pass', observed: 'running 0; persisted 0 (/etc/sysctl.d/70-glob.conf)' });
    expect(row('r-glob-explicit', 'r.redir')).toMatchObject({ status: 'pass', observed: 'running 0; persisted 0 (/etc/sysctl.d/60-hardening.conf)' });
  });
});
