import { factError, factOk, type Fact, type HostFacts } from './facts.ts';
import { parseAuthorizedKeys, parseSudoers } from './parse-access.ts';
import { parseListen } from './parse-network.ts';
import type { RawSection } from './parse-sections.ts';
import { sectionCommand } from './probe.ts';
import { parseResticSnapshots, parseSysctlPersisted, parseSysctlRunning } from './parse-sysctl.ts';
import {
  parseDf, parseFileMeta, parseGroup, parseIdentity, parseLoad, parseLoginDefs, parseMeminfo, parseOsRelease,
  parsePackages, parsePasswd, parseShadowMeta, parseSshdT,
} from './parse-system.ts';

/** Turns raw probe sections into typed facts; a failed or unreadable section becomes a Fact error with the reason. Pure. */
export function gatherFacts(host: string, sections: Map<string, RawSection>, resticPolicies: string[]): HostFacts {
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
  return {
    host,
    identity: fact('identity', parseIdentity),
    osRelease: fact('os-release', parseOsRelease),
    sshd: fact('sshd', parseSshdT),
    listen: fact('listen', parseListen),
    loginDefs: fact('login-defs', parseLoginDefs),
    passwd: fact('passwd', parsePasswd),
    group: fact('group', parseGroup),
    shadow: fact('shadow', parseShadowMeta),
    authorizedKeys: fact('authorized-keys', parseAuthorizedKeys),
    sudoers: fact('sudoers', parseSudoers),
    packages: fact('packages', parsePackages),
    // `files` prints 'missing' itself; a non-zero status only when stat itself is absent.
    files: fact('files', parseFileMeta),
    sysctlRunning: fact('sysctl-running', parseSysctlRunning),
    sysctlPersisted: fact('sysctl-persisted', parseSysctlPersisted),
    disk: fact('disk', parseDf, (c) => c === 0 || c === 1),
    memory: fact('memory', parseMeminfo),
    load: fact('load', parseLoad),
    restic,
  };
}
