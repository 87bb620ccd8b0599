/**
 * login.defs UMASK is what an SSH session gets only when sshd's PAM session stack runs pam_umask: without PAM
 * (UsePAM no), or with a stack that never calls it (Debian 12's common-session has none), the session keeps sshd's own
 * umask (0022), whatever login.defs says. Planted on real hosts, each session's umask measured from outside over a
 * fresh connection; the umask check must report what the session gets, never login.defs' word alone.
 * pam_umask's `usergroups` argument: an account whose primary group is its own gets the group bits of the owner
 * (027 -> 007); USERGROUPS_ENAB in login.defs does not turn it on in Debian 12's pam_umask (measured here).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';
import { LOGIN_USER } from '../fleet/host-files.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'umask',
  title: 'umask',
  checks: [{ id: 'login.umask', title: 'umask', severity: 'low', type: 'login_defs', params: { key: 'UMASK', in: ['027', '077'] }, rationale: 'r', remediation: 'm' }],
};

/** The machine's own /etc/pam.d, with pam_umask added to common-session. */
async function pamDirWithUmask(args: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir('/etc/pam.d')) out[f] = await readFile(path.join('/etc/pam.d', f), 'utf8');
  out['common-session'] = `${out['common-session']}session optional pam_umask.so ${args}\n`;
  return out;
}

/** host → [UsePAM yes, own pam.d, login.defs USERGROUPS_ENAB, the umask the session gets, the row's status]. */
const HOSTS: Record<string, { pam: boolean; umaskArgs?: string; upg: 'yes' | 'no'; session: string; status: 'pass' | 'fail'; gecos?: string }> = {
  'm-nopam': { pam: false, upg: 'no', session: '0022', status: 'fail' },
  'm-pam-none': { pam: true, upg: 'no', session: '0022', status: 'fail' },
  'm-pam-umask': { pam: true, umaskArgs: '', upg: 'no', session: '0027', status: 'pass' },
  // Measured: libpam 1.5.2's pam_umask does not take usergroups from USERGROUPS_ENAB; only its own argument turns it on.
  'm-pam-upg': { pam: true, umaskArgs: '', upg: 'yes', session: '0027', status: 'pass' },
  'm-pam-usergroups': { pam: true, umaskArgs: 'usergroups', upg: 'no', session: '0007', status: 'fail' },
  // pam_umask's own argument wins over login.defs.
  'm-pam-arg': { pam: true, umaskArgs: 'umask=0022', upg: 'no', session: '0022', status: 'fail' },
  // Measured: libpam 1.5.2's pam_umask applies the login account's own GECOS umask= over login.defs.
  'm-pam-gecos': { pam: true, umaskArgs: '', upg: 'no', session: '0002', status: 'fail', gecos: 'Probe,,,,umask=0002' },
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'umask',
  baseline: BASELINE,
  fleet: async () => ({
    hosts: await Promise.all(
      Object.entries(HOSTS).map(async ([id, h]) => ({
        id,
        loginDefs: { UMASK: '027', USERGROUPS_ENAB: h.upg },
        ...(h.pam ? { sshd: { extra: ['UsePAM yes'] } } : {}),
        ...(h.umaskArgs !== undefined ? { dirs: { '/etc/pam.d': await pamDirWithUmask(h.umaskArgs) } } : {}),
      })),
    ),
  }),
  // The login account's GECOS field, written in place (the host's /etc/passwd is this file, bind-mounted).
  afterStart: async (fleet) => {
    for (const [id, h] of Object.entries(HOSTS)) {
      if (!h.gecos) continue;
      const file = path.join(fleet.dir, id, 'etc', 'passwd');
      const lines = (await readFile(file, 'utf8')).split('\n').map((l) =>
        l.startsWith(`${LOGIN_USER}:`)
          ? l
              .split(':')
              .map((x, i) => (i === 4 ? h.gecos : x))
              .join(':')
          : l,
      );
      await writeFile(file, lines.join('\n'));
    }
  },
});

MACHINE.describe('the umask an SSH session gets, on real hosts', () => {
  it.each(Object.keys(HOSTS))('%s: the row reports the umask a session really gets', async (host) => {
    const h = HOSTS[host]!;
    expect((await execOnFleetHost(suite.fleet, host, ['grep', '-E', '^(UMASK|USERGROUPS_ENAB)', '/etc/login.defs'])).stdout).toBe(`UMASK\t027\nUSERGROUPS_ENAB\t${h.upg}\n`);
    expect((await execOnFleetHost(suite.fleet, host, ['sh', '-c', 'umask'])).stdout).toBe(`${h.session}\n`);
    const r = findRow(suite.rows, host, 'login.umask');
    expect(r.observed).toContain(`SSH session umask ${h.session}`);
    expect(r.status, r.reason).toBe(h.status);
    // The daemon's side: pam_umask's value where it runs, else the listening sshd's own umask (/proc/PID/status).
    expect(r.observed).toContain(`${h.umaskArgs === undefined ? '0022' : h.umaskArgs === 'umask=0022' ? '0022' : '0027'} by sshd's configuration`);
    if (h.status === 'fail') expect(r.reason).toMatch(/^an (SSH session|account whose primary group is its own) gets umask 00\d\d, not one of 027, 077/);
    if (h.gecos) expect(r.reason).toContain(`${LOGIN_USER} gets umask ${h.session} from umask= in its GECOS field, not one of 027, 077`);
  });
});
