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
