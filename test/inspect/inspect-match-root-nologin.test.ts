/**
 * A Match block for root on a host where root's shell is nologin, planted on a real host: `Match User root` /
 * `PermitRootLogin yes`. sshd still authenticates root (nologin is an executable shell: a key opens port forwards with
 * `ssh -N`), and `sshd -T -C user=root` says permitrootlogin yes. Match contexts were only run for accounts whose shell
 * can start a session, so root was never judged and the row passed (a false pass). Every uid-0 account now gets its
 * context whatever its shell.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'rootmatch',
  title: 'root',
  checks: [{ id: 'r.prl', title: 'prl', severity: 'high', type: 'sshd_option', params: { option: 'permitrootlogin', equals: 'no' }, rationale: 'r', remediation: 'm' }],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'rootm',
  baseline: BASELINE,
  fleet: () => ({ hosts: [{ id: 'r-nologin', sshd: { match: ['Match User root', '  PermitRootLogin yes'] } }] }),
  afterStart: async (fleet) => {
    // The host's own passwd (a private copy, written in place): root's shell becomes nologin.
    const pw = path.join(fleet.dir, 'r-nologin', 'etc', 'passwd');
    await writeFile(pw, (await readFile(pw, 'utf8')).replace(/^root:(.*):[^:\n]*$/m, 'root:$1:/usr/sbin/nologin'));
  },
});

MACHINE.describe('Match blocks for root whatever its shell, on a real host', () => {
  it('root with nologin is still judged in its Match context: the row fails', async () => {
    expect((await execOnFleetHost(suite.fleet, 'r-nologin', ['getent', 'passwd', 'root'])).stdout).toMatch(/:\/usr\/sbin\/nologin\n$/);
    const t = await execOnFleetHost(suite.fleet, 'r-nologin', ['sudo', '-n', 'sshd', '-T', '-C', 'user=root,host=x,addr=127.0.0.1']);
    expect(t.stdout).toMatch(/^permitrootlogin yes$/m);
    const r = findRow(suite.rows, 'r-nologin', 'r.prl');
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('Match context user=root');
    expect(r.reason).toContain('permitrootlogin is yes');
  });
});
