import { parseUnits } from './probe-service-active.ts';
import { factError, factOk, type Fact, type HostFacts } from './facts.ts';
import { parseAuthorizedKeys } from './parse-access.ts';
import { parseFilesSection, parseShells } from './parse-accounts.ts';
import { parseSshdSection } from './parse-sshd.ts';
import { parseSudoersSection, parseSudoList } from './parse-sudo.ts';
import { parseListen } from './parse-network.ts';
import type { RawSection } from './parse-sections.ts';
import { parseReboot, parseUpdates, parseVersions } from './parse-patch.ts';
import { parseNtp } from './parse-ntp.ts';
import { parsePamSection } from './parse-pam.ts';
import { parseLogRetention } from './parse-log-retention.ts';
import { parseListenProcs } from './parse-listen-procs.ts';
import { sectionCommand } from './probe.ts';
import { parseResticSnapshots, parseSysctlPersisted, parseSysctlRunning } from './parse-sysctl.ts';
import { parseDf, parseGroupView, parseIdentity, parseLoad, parseLoginDefs, parseMeminfo, parseOsRelease, parsePackages, parsePasswdView, parseShadowMeta } from './parse-system.ts';

/** Turns raw probe sections into typed facts; a failed or unreadable section becomes a Fact error with the reason. Pure. */
export function gatherFacts(
  host: string,
  sections: Map<string, RawSection>,
  resticPolicies: string[],
  boundary: string,
  /** The package_version requests the probe's `versions` section compared, in its order. */
  versions: ReadonlyArray<{ name: string; min: string }> = [],
): HostFacts {
  const fact = <T>(name: string, parse: (text: string) => T, okExit: (code: number) => boolean = (c) => c === 0): Fact<T> => {
    const command = sectionCommand(name);
    const s = sections.get(name);
    if (!s) return factError(`not gathered (section '${name}' missing from the probe output)`, command);
    if (!okExit(s.exitCode)) {
      const detail = s.stderr.trim().split('\n')[0]?.slice(0, 200) ?? '';
      const denied = /permission denied|must be run as root|not permitted|privilege/i.test(s.stderr);
      return factError(`${denied ? 'insufficient privileges: ' : ''}'${command}' failed with exit ${s.exitCode}${detail ? `: ${detail}` : ''}`, command);
    }
    try {
      return factOk(parse(s.stdout), command);
    } catch (e) {
      return factError(`could not read the output of '${command}': ${e instanceof Error ? e.message : String(e)}`, command);
    }
  };
  const restic = new Map<string, Fact<ReturnType<typeof parseResticSnapshots>>>();
  for (const p of resticPolicies) restic.set(p, fact(`restic:${p}`, parseResticSnapshots));
  const sshd = fact('sshd', (t) => parseSshdSection(t, boundary));
  const keys = fact('authorized-keys', (t) => parseAuthorizedKeys(t, boundary));
  const part = <T, U>(f: Fact<T>, pick: (v: T) => U): Fact<U> => (f.ok ? factOk(pick(f.value), f.command) : f);
  // Accounts NSS adds beyond /etc/passwd are named in the evidence: `cat /etc/passwd` alone would not show them.
  const passwd = fact('passwd', (t) => parsePasswdView(t, boundary));
  const withNote = <T>(f: Fact<T>, note: (v: T) => string): Fact<T> => (f.ok ? factOk(f.value, `${f.command}${note(f.value)}`) : f);
  const nssNote = passwd.ok && passwd.value.nss.length ? `; getent passwd ${passwd.value.nss.join(' ')} (NSS, not in /etc/passwd)` : '';
  return {
    host,
    identity: fact('identity', parseIdentity),
    osRelease: fact('os-release', parseOsRelease),
    sshd: part(sshd, (v) => v.global),
    sshdContexts: part(sshd, (v) => v.contexts),
    sshdRuntime: part(sshd, (v) => v.runtime),
    listen: fact('listen', parseListen),
    units: fact('units', (t) => parseUnits(t, boundary)),
    loginDefs: fact('login-defs', parseLoginDefs),
    passwd: passwd.ok ? factOk(passwd.value.accounts, `${passwd.command}${nssNote}`) : passwd,
    group: withNote(
      fact('group', (t) => parseGroupView(t, boundary)),
      (v) => (v.some((g) => g.source) ? '; getent group, getent initgroups ACCOUNT… (NSS: what /etc/group does not list)' : ''),
    ),
    shadow: fact('shadow', parseShadowMeta),
    shells: fact('shells', (t) => parseShells(t, boundary)),
    pam: fact('pam-sshd', (t) => parsePamSection(t, boundary)),
    authorizedKeys: part(keys, (v) => v.keys),
    authorizedKeyFiles: part(keys, (v) => ({ tokens: v.tokens, files: v.files, access: v.access })),
    sudoers: fact('sudoers', (t) => parseSudoersSection(t, boundary)),
    sudoList: fact('sudo-list', (t) => parseSudoList(t, boundary)),
    packages: fact('packages', parsePackages),
    updates: fact('updates', parseUpdates),
    reboot: fact('reboot', parseReboot),
    ntp: fact('ntp', (t) => parseNtp(t, boundary)),
    logRetention: fact('log-retention', (t) => parseLogRetention(t, boundary)),
    listenProcs: fact('listen-procs', (t) => parseListenProcs(t, boundary)),
    ...(versions.length ? { versions: fact('versions', (t) => parseVersions(t, versions)) } : {}),
    // `files` prints 'missing' itself; a non-zero status only when stat itself is absent.
    files: fact('files', (t) => parseFilesSection(t, boundary)),
    sysctlRunning: fact('sysctl-running', parseSysctlRunning),
    sysctlPersisted: fact('sysctl-persisted', (t) => parseSysctlPersisted(t, boundary)),
    disk: fact('disk', parseDf, (c) => c === 0 || c === 1),
    memory: fact('memory', parseMeminfo),
    load: fact('load', parseLoad),
    restic,
  };
}
