/**
 * ssh.config-loaded as a pure rule (scripts/inspect/checks-sshd-loaded.ts): when the running sshd last loaded its files,
 * from its PidFile or, without one, its start; never a pass when that cannot be told.
 */
import { describe, expect, it } from 'vitest';
import { evaluateSshdLoaded, sshdLoadState } from '../../scripts/inspect/checks-sshd-loaded.ts';
import { factError, factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef } from '../../scripts/inspect/model.ts';
import type { SshdRuntime } from '../../scripts/inspect/parse-sshd.ts';

const T = (iso: string) => Date.parse(iso);
const file = (path: string, mtime: string, ctime = mtime) => ({ path, mtime: T(mtime), ctime: T(ctime) });
const STARTED = '2026-11-20T00:00:00.000Z';
const RELOADED = '2026-11-25T00:00:00.000Z';
const daemon = { pid: 77, startedAt: T(STARTED) };
const pidFile = { path: '/run/sshd.pid', mtime: T(RELOADED), pid: 77 };
const cfg = (mtime: string, ctime = mtime) => [file('/etc/ssh/sshd_config', mtime, ctime), file('/etc/ssh/sshd_config.d/10-site.conf', '2026-11-01T00:00:00Z')];
const key = [file('/etc/ssh/ssh_host_ed25519_key', '2026-01-01T00:00:00Z')];
const CHECK: CheckDef = { id: 'ssh.config-loaded', title: 't', severity: 'high', type: 'sshd_loaded', params: {}, rationale: 'r', remediation: 'm' };

describe('sshdLoadState', () => {
  it.each<[string, SshdRuntime, string]>([
    ['files older than the PidFile', { configFiles: cfg('2026-11-24T00:00:00Z'), keyFiles: key, daemon, pidFile }, 'current'],
    ['a config changed after the PidFile (a HUP since the start)', { configFiles: cfg('2026-11-26T00:00:00Z'), keyFiles: key, daemon, pidFile }, 'stale'],
    ['an mtime set back (cp -p) but a later ctime', { configFiles: cfg('2026-11-01T00:00:00Z', '2026-11-26T00:00:00Z'), keyFiles: key, daemon, pidFile }, 'stale'],
    ['a host key replaced after the PidFile', { configFiles: cfg('2026-11-24T00:00:00Z'), keyFiles: [file('/etc/ssh/ssh_host_ed25519_key', '2026-11-26T00:00:00Z')], daemon, pidFile }, 'stale'],
    ['no PidFile, files older than the start', { configFiles: cfg('2026-11-19T00:00:00Z'), keyFiles: key, daemon, pidFile: { path: 'none' } }, 'current'],
    ["no PidFile, a file changed 10 ms before the start (within the clocks' error)", { configFiles: cfg('2026-11-19T23:59:59.990Z'), daemon, pidFile: { path: 'none' } }, 'unknown'],
    ['no PidFile, a file changed after the start', { configFiles: cfg('2026-11-21T00:00:00Z'), daemon, pidFile: { path: 'none' } }, 'unknown'],
    ['a PidFile naming another pid', { configFiles: cfg('2026-11-21T00:00:00Z'), daemon, pidFile: { ...pidFile, pid: 78 } }, 'unknown'],
    ['an unreadable PidFile', { configFiles: cfg('2026-11-21T00:00:00Z'), daemon, pidFile: { path: '/run/sshd.pid' } }, 'unknown'],
    ['no listening sshd above the session', { configFiles: cfg('2026-11-01T00:00:00Z'), pidFile }, 'unknown'],
    ["no config file stat'ed", { configFiles: [], daemon, pidFile }, 'unknown'],
  ])('%s: %s', (_, runtime, state) => {
    expect(sshdLoadState(runtime).state).toBe(state);
  });
});

/**
 * busybox stat (and a stat without the %.9Y precision, or a filesystem keeping seconds) prints whole seconds: a time T means
 * some time in [T, T + 1 s). Within one second, which of an edit and a reload came first cannot be told: never a pass.
 */
describe('sshdLoadState with file times in whole seconds', () => {
  const pf = (mtime: string) => ({ path: '/run/sshd.pid', mtime: T(mtime), pid: 77 });
  it.each<[string, SshdRuntime, string]>([
    ['edit and PidFile in the same second (whole seconds)', { configFiles: cfg('2026-11-25T00:00:00Z'), daemon, pidFile: pf('2026-11-25T00:00:00Z') }, 'unknown'],
    ['an edit stamped in whole seconds, the PidFile later within that second', { configFiles: cfg('2026-11-25T00:00:00Z'), daemon, pidFile: pf('2026-11-25T00:00:00.500Z') }, 'unknown'],
    ['an edit the second after the PidFile (whole seconds)', { configFiles: cfg('2026-11-25T00:00:01Z'), daemon, pidFile: pf('2026-11-25T00:00:00Z') }, 'stale'],
    ['an edit the second before the PidFile (whole seconds)', { configFiles: cfg('2026-11-24T23:59:59Z'), daemon, pidFile: pf('2026-11-25T00:00:00Z') }, 'current'],
    ['nanoseconds: an edit before the PidFile within one second', { configFiles: cfg('2026-11-25T00:00:00.300Z'), daemon, pidFile: pf('2026-11-25T00:00:00.500Z') }, 'current'],
    ['nanoseconds: an edit after the PidFile within one second', { configFiles: cfg('2026-11-25T00:00:00.700Z'), daemon, pidFile: pf('2026-11-25T00:00:00.500Z') }, 'stale'],
    ['an edit at .7 s, a PidFile stamped in whole seconds', { configFiles: cfg('2026-11-25T00:00:00.700Z'), daemon, pidFile: pf('2026-11-25T00:00:00Z') }, 'unknown'],
    [
      'no PidFile, an edit stamped in the second the daemon started',
      { configFiles: cfg('2026-11-20T00:00:00Z'), daemon: { pid: 77, startedAt: T('2026-11-20T00:00:00.500Z') }, pidFile: { path: 'none' } },
      'unknown',
    ],
  ])('%s', (_, runtime, state) => {
    expect(sshdLoadState(runtime).state).toBe(state);
  });

  it('says why: the edit and the reload fall in one second, and this host stats in whole seconds', () => {
    const s = sshdLoadState({ configFiles: cfg('2026-11-25T00:00:00Z'), daemon, pidFile: pf('2026-11-25T00:00:00Z') });
    expect(s.state === 'unknown' && s.reason).toBe(
      "/etc/ssh/sshd_config changed 2026-11-25T00:00:00Z (to the second) and the running sshd (pid 77) loaded its configuration 2026-11-25T00:00:00Z (to the second; its PidFile /run/sshd.pid written then): which came first cannot be told, as this host's stat gives file times in whole seconds (busybox stat, a stat without %.9Y, or a filesystem that keeps seconds); reload sshd again (kill -HUP 77) to judge",
    );
    const t = sshdLoadState({ configFiles: cfg('2026-11-20T00:00:00Z'), daemon: { pid: 77, startedAt: T('2026-11-20T00:00:00.500Z') }, pidFile: { path: 'none' } });
    expect(t.state === 'unknown' && t.reason).toMatch(/^\/etc\/ssh\/sshd_config changed 2026-11-20T00:00:00Z \(to the second\), after the running sshd \(pid 77\) started/);
  });
});

describe('evaluateSshdLoaded', () => {
  const facts = (runtime: SshdRuntime | undefined) => ({ sshdRuntime: runtime ? factOk(runtime, 'sshd -T') : factError('sshd -T failed: exit 255', 'sshd -T') }) as unknown as HostFacts;

  it('fails naming the file, when it changed and when the daemon loaded', () => {
    const o = evaluateSshdLoaded(CHECK, facts({ configFiles: cfg('2026-11-26T00:00:00Z'), keyFiles: key, daemon, pidFile }));
    expect(o.status).toBe('fail');
    expect(o.reason).toMatch(
      /^\/etc\/ssh\/sshd_config changed 2026-11-26T00:00:00\.000Z, after the running sshd \(pid 77\) loaded its configuration 2026-11-25T00:00:00\.000Z \(its PidFile \/run\/sshd\.pid written then\)/,
    );
    expect(o.reason).not.toContain('10-site.conf');
  });
  it('an error, never a pass, when the load cannot be placed; saying why', () => {
    const o = evaluateSshdLoaded(CHECK, facts({ configFiles: cfg('2026-11-21T00:00:00Z'), daemon, pidFile: { path: 'none' } }));
    expect(o.status).toBe('error');
    expect(o.reason).toContain('/etc/ssh/sshd_config changed 2026-11-21T00:00:00.000Z, after the running sshd (pid 77) started 2026-11-20T00:00:00.000Z');
    expect(o.reason).toContain('PidFile none');
    expect(evaluateSshdLoaded(CHECK, facts({ configFiles: cfg('2026-11-21T00:00:00Z'), daemon, pidFile: { ...pidFile, pid: 78 } })).reason).toContain('names pid 78, not the listening sshd');
    expect(evaluateSshdLoaded(CHECK, facts(undefined))).toMatchObject({ status: 'error', reason: 'sshd -T failed: exit 255' });
  });
  it('passes saying when the daemon loaded', () => {
    const o = evaluateSshdLoaded(CHECK, facts({ configFiles: cfg('2026-11-24T00:00:00Z'), keyFiles: key, daemon, pidFile }));
    expect(o).toMatchObject({ status: 'pass', observed: 'sshd (pid 77) loaded its configuration 2026-11-25T00:00:00.000Z (its PidFile written); no file changed since' });
  });
});
