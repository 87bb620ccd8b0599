/**
 * The UMASK check over plain facts (scripts/inspect/checks-umask.ts): login.defs alone never passes it; the session's
 * own umask, or pam_umask in sshd's session stack, decides. Real hosts: test/inspect/inspect-session-umask.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { evaluateSessionUmask } from '../../scripts/inspect/checks-umask.ts';
import { factError, factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef } from '../../scripts/inspect/model.ts';
import type { PamFacts } from '../../scripts/inspect/parse-pam.ts';

const CHECK = { id: 'login.umask', type: 'login_defs', params: { key: 'UMASK', in: ['027', '077'] } } as unknown as CheckDef;
const pam = (session: string, sessionUmask?: string, sshdUmask?: string): PamFacts => ({
  service: '/etc/pam.d/sshd',
  files: new Map([['/etc/pam.d/sshd', session]]),
  ...(sessionUmask ? { sessionUmask } : {}),
  ...(sshdUmask ? { sshdUmask } : {}),
});
const facts = (usePam: string, p: PamFacts | undefined, umask = '027'): HostFacts =>
  ({
    loginDefs: factOk({ UMASK: umask }, 'grep login.defs'),
    sshd: factOk({ usepam: [usePam] }, 'sshd -T'),
    pam: p ? factOk(p, 'cat pam.d') : factError('no', 'cat pam.d'),
  }) as unknown as HostFacts;

describe('evaluateSessionUmask', () => {
  it.each([
    ['UsePAM no, session measured 0022', facts('no', pam('', '0022')), 'fail'],
    ['UsePAM yes, no pam_umask, measured 0022', facts('yes', pam('session required pam_unix.so\n', '0022')), 'fail'],
    ['pam_umask applies 027, measured 0027', facts('yes', pam('session optional pam_umask.so\n', '0027')), 'pass'],
    ['not measured: pam_umask applies login.defs', facts('yes', pam('session optional pam_umask.so\n')), 'pass'],
    ['not measured: pam_umask umask=0022 wins', facts('yes', pam('session optional pam_umask.so umask=0022\n')), 'fail'],
    ['not measured: usergroups turns 027 into 007', facts('yes', pam('session optional pam_umask.so usergroups\n')), 'fail'],
    ['not measured, UsePAM no: unknown, never a pass', facts('no', pam('')), 'error'],
    ['not measured, no pam_umask: unknown, never a pass', facts('yes', pam('session required pam_unix.so\n')), 'error'],
    ['PAM facts unreadable: unknown', facts('yes', undefined), 'error'],
    ['login.defs 022 fails even with a strict session', facts('yes', pam('session optional pam_umask.so\n', '0077'), '022'), 'fail'],
    // The login account's own start-up files can set its umask: sshd's own 0022 still reaches every other session.
    ['UsePAM no: measured 0027 but sshd runs with 0022', facts('no', pam('', '0027', '0022')), 'fail'],
    ['no pam_umask: measured 0027 but sshd runs with 0022', facts('yes', pam('session required pam_unix.so\n', '0027', '0022')), 'fail'],
    ['UsePAM no, not measured: sshd’s own umask decides', facts('no', pam('', undefined, '0027')), 'pass'],
    ['UsePAM no, not measured, sshd 0022', facts('no', pam('', undefined, '0022')), 'fail'],
    ['pam_umask applies 027 even though sshd runs with 0022', facts('yes', pam('session optional pam_umask.so\n', '0027', '0022')), 'pass'],
  ] as const)('%s', (_name, f, status) => {
    const r = evaluateSessionUmask(CHECK, f);
    expect(r.status, `${r.observed} | ${r.reason}`).toBe(status);
  });

  // pam_umask (libpam 1.5.2) applies a login account's own umask= from its GECOS field last: over its argument and login.defs.
  const withGecos = (usePam: string, session: string, gecos: string, shell = '/bin/bash') =>
    ({
      ...facts(usePam, pam(session, '0027')),
      passwd: factOk([{ name: 'deploy', uid: 1001, gid: 1001, home: '/home/deploy', shell, password: 'x', gecos }], 'cat /etc/passwd'),
      shells: factError('not gathered', 'cksum'),
    }) as unknown as HostFacts;
  it.each([
    ['a GECOS umask=0002 where pam_umask runs', withGecos('yes', 'session optional pam_umask.so\n', 'Deploy,,,,umask=0002'), 'fail', 'deploy gets umask 0002 from umask= in its GECOS field'],
    ['UMASK= in any case, any comma entry', withGecos('yes', 'session optional pam_umask.so umask=0077\n', 'UMASK=022,pri=5'), 'fail', 'deploy gets umask 0022'],
    ['umask= without octal digits is 0000 (strtol)', withGecos('yes', 'session optional pam_umask.so\n', 'x,umask=abc'), 'fail', 'deploy gets umask 0000'],
    ['a strict GECOS umask', withGecos('yes', 'session optional pam_umask.so\n', 'Deploy,umask=077'), 'pass', ''],
    ['no pam_umask: GECOS is not read', withGecos('yes', 'session required pam_unix.so\n', 'umask=0002'), 'pass', ''],
    ['UsePAM no: GECOS is not read', withGecos('no', '', 'umask=0002'), 'pass', ''],
    ['an account that cannot log in', withGecos('yes', 'session optional pam_umask.so\n', 'umask=0002', '/usr/sbin/nologin'), 'pass', ''],
  ] as const)('%s', (_name, f, status, reason) => {
    const r = evaluateSessionUmask(CHECK, f);
    expect(r.status, `${r.observed} | ${r.reason}`).toBe(status);
    expect(r.reason).toContain(reason);
  });
});
