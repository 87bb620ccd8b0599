import { isLogin } from './checks-accounts.ts';
import { compareValue, evaluateLoginDefs } from './checks-system.ts';
import type { HostFacts } from './facts.ts';
import type { CheckDef, Outcome } from './model.ts';
import { pamStack } from './parse-pam.ts';

/**
 * The UMASK of login.defs (a `login_defs` check with key UMASK) judged by what an SSH session gets. Pure.
 *
 * login.defs' UMASK reaches a session over sshd only through pam_umask in sshd's PAM session stack: with UsePAM no,
 * or a stack without pam_umask (Debian 12's common-session has none), the session keeps sshd's own umask (0022 under
 * systemd) whatever login.defs says. So the row passes only when login.defs holds an allowed value **and** the umask
 * the probe's own SSH session started with (measured before sudo: scripts/inspect/probe.ts) is allowed too, and,
 * where pam_umask runs with `usergroups`, the umask it gives an account whose primary group is its own (group bits of
 * the owner: 027 -> 007) as well. Measured on real hosts: test/inspect/inspect-session-umask.test.ts (Debian 12's
 * pam_umask takes usergroups from its argument only, not from USERGROUPS_ENAB).
 * Where pam_umask runs, a login account's own `umask=` in its GECOS field is judged too: libpam 1.5.2 (Debian 12) reads
 * every comma-separated GECOS entry, case-insensitively, and applies it last, over its argument, login.defs and
 * usergroups; the value is read as strtol reads it (`umask=` with no octal digits is 0000). Not covered: a umask an
 * interactive shell's profile sets later (scp, sftp and commands run without one).
 */
export function evaluateSessionUmask(c: CheckDef, f: HostFacts): Outcome {
  const defs = evaluateLoginDefs(c, f);
  if (defs.status === 'error') return defs;
  const octal = (v: string) => Number.parseInt(v, 8);
  const show = (v: string) => octal(v).toString(8).padStart(4, '0');
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const allowed = (v: string): string | undefined => {
    const p = c.params;
    if (p.in !== undefined || p.equals !== undefined || p.not_in !== undefined) {
      const ok = [...list(p.in), ...list(p.equals)];
      if (ok.length && !ok.some((x) => octal(x) === octal(v))) return `not one of ${ok.join(', ')}`;
      if (list(p.not_in).some((x) => octal(x) === octal(v))) return `one of ${list(p.not_in).join(', ')}`;
      return undefined;
    }
    return compareValue(show(v).slice(1), p).problem;
  };
  const v = f.sshd.ok ? f.sshd.value.usepam?.[0]?.toLowerCase() : undefined;
  const pam = f.pam?.ok ? f.pam.value : undefined;
  const umaskLines = v === 'yes' && pam ? pamStack(pam, 'session').filter((e) => e.module === 'pam_umask.so') : [];
  const at = (e: (typeof umaskLines)[number]) => `${e.file}:${e.line}`;
  const arg = umaskLines.flatMap((e) => e.args.filter((a) => a.startsWith('umask=')).map((a) => ({ value: a.slice(6), e })))[0];
  const defsValue = f.loginDefs.ok ? f.loginDefs.value.UMASK : undefined;
  const how =
    v === 'no'
      ? 'UsePAM no: no PAM session, so sshd’s own umask and never login.defs'
      : v !== 'yes'
        ? 'UsePAM unknown (sshd -T not read)'
        : !pam
          ? 'sshd’s PAM stack not read'
          : umaskLines.length === 0
            ? `no pam_umask in sshd’s PAM session stack (${pam.service} and what it includes): login.defs UMASK is not applied`
            : arg
              ? `pam_umask ${arg.e.args.join(' ')} at ${at(arg.e)}: its umask= wins over login.defs`
              : `pam_umask at ${at(umaskLines[0]!)} applies login.defs UMASK`;
  const measured = pam?.sessionUmask;
  // What every session gets, from the daemon's side: pam_umask's value where it runs, else sshd's own umask. The
  // measurement alone is the login account's, and its own shell start-up files could have set it.
  const derived = v === 'yes' && umaskLines.length > 0 ? (arg?.value ?? defsValue) : v === 'no' || (v === 'yes' && pam) ? pam?.sshdUmask : undefined;
  const valid = (x: string | undefined): x is string => x !== undefined && /^0?[0-7]{3,4}$/.test(x);
  const problems: string[] = defs.status === 'fail' ? [defs.reason] : [];
  const observed = [
    defs.observed + ' (login.defs)',
    valid(measured) ? `SSH session umask ${show(measured)} (measured)` : 'SSH session umask not measured',
    valid(derived) ? `${show(derived)} by sshd's configuration (${how})` : `not derivable from sshd's configuration (${how})`,
  ];
  if (!valid(measured) && !valid(derived)) {
    return {
      status: 'error',
      expected: defs.expected,
      observed: observed.join('; '),
      reason: `the umask an SSH session gets could not be measured (${f.pam && !f.pam.ok ? f.pam.reason : 'the probe did not report it'}) nor derived: ${how}`,
      evidence: `${defs.evidence}; ${f.pam?.command ?? 'umask'}`,
    };
  }
  const judged = [...new Set([measured, derived].filter(valid).map(show))];
  for (const u of judged) {
    const bad = allowed(u);
    if (bad) problems.push(`an SSH session gets umask ${u}, ${bad} (${how})`);
  }
  if (umaskLines.some((e) => e.args.includes('usergroups')))
    for (const u of judged) {
      const m = octal(u);
      const upg = ((m & ~0o070) | ((m >> 3) & 0o070)).toString(8);
      const badUpg = allowed(upg);
      if (badUpg) problems.push(`an account whose primary group is its own gets umask ${show(upg)}, ${badUpg} (pam_umask usergroups)`);
    }
  const gecos = umaskLines.length && f.passwd?.ok ? f.passwd.value.filter((a) => a.gecos && isLogin(a, f)) : [];
  for (const a of gecos) {
    const m = /(?:^|,)umask=\s*([0-7]*)/i.exec(a.gecos!);
    if (!m) continue;
    const u = show((Number.parseInt(m[1] || '0', 8) & 0o777).toString(8));
    const bad = allowed(u);
    if (bad) problems.push(`${a.name} gets umask ${u} from umask= in its GECOS field, ${bad} (pam_umask applies it over its argument and login.defs)`);
  }
  return {
    status: problems.length ? 'fail' : 'pass',
    expected: `${defs.expected} in login.defs and in every SSH session`,
    observed: observed.join('; '),
    reason: problems.join('; '),
    evidence: `${defs.evidence}; sshd -T (usepam); ${f.pam?.command ?? 'umask'}`,
  };
}
