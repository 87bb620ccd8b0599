/**
 * Converges (or checks) access on hosts: renders each host's policy, runs the
 * script as root over the SSH edge under the host lock, reports per host. Edge.
 */
import { createHash } from 'node:crypto';
import type { RepoModel } from '../repo/repo-model.ts';
import type { Fleet } from '../ssh/fleet.ts';
import { acquireHostLock } from '../remote/host-lock.ts';
import { renderRootScript as renderConverge, withSudo } from '../remote/commands.ts';
import { renderAccessPolicy } from './access.ts';
import { parseAccessOutput, renderAccessScript, type AccessReportLine, type ConvergeMode } from './access-script.ts';
import { keyBlobOf } from './access.ts';

export interface HostAccessResult {
  host: string;
  ok: boolean;
  error?: string;
  report: AccessReportLine[];
  excluded: Array<{ person: string; grant?: string; reason: string }>;
  /** Fingerprint of every added/removed key line. */
  fingerprints: Record<string, string>;
}

/** Called before the script runs on a host (written to the record first) and after. */
export interface ConvergeHooks {
  before?: (host: string, detail: Record<string, unknown>) => Promise<void>;
  after?: (host: string, detail: Record<string, unknown>) => Promise<void>;
}

export async function convergeAccess(repo: RepoModel, hosts: ReadonlyArray<{ id: string; data: { groups: string[] } }>, fleet: Fleet, mode: ConvergeMode, now: Date, owner: string, hooks: ConvergeHooks = {}): Promise<HostAccessResult[]> {
  const inputs = { people: repo.all('person').map((d) => d.data), roles: repo.all('role').map((d) => d.data), grants: repo.all('grant').map((d) => d.data), timezone: repo.one('calendar')?.data.timezone ?? 'UTC' };
  const results = await Promise.all(hosts.map(async (h): Promise<HostAccessResult> => {
    const policy = renderAccessPolicy(h, inputs, now);
    const base = { host: h.id, report: [] as AccessReportLine[], excluded: policy.excluded, fingerprints: {} as Record<string, string> };
    if (policy.problems.length > 0) return { ...base, ok: false, error: policy.problems.join('; ') };
    let session;
    try { session = await fleet.session(h.id); } catch (e) { return { ...base, ok: false, error: e instanceof Error ? e.message : String(e) }; }
    const lock = mode === 'apply' ? await acquireHostLock(session, h.id, owner) : undefined;
    if (lock && lock.status !== 'locked') return { ...base, ok: false, error: lock.status === 'held' ? `host is held by ${lock.owner}` : lock.message };
    try {
      const cmd = renderConverge();
      const script = renderAccessScript(policy, mode);
      await hooks.before?.(h.id, { command: cmd.command, script_sha256: createHash('sha256').update(script).digest('hex'), accounts: policy.accounts.map((a) => ({ account: a.account, keys: a.keys.map((k) => ({ person: k.person, grant: k.grant, fingerprint: k.fingerprint })) })), sudoers: policy.sudoers.map((x) => x.name), excluded: policy.excluded });
      const r = await session.exec(withSudo(cmd.sudo, cmd.argv), { stdin: script, timeoutMs: 120_000 });
      const report = parseAccessOutput(r.stdout);
      await hooks.after?.(h.id, { exit_code: r.code, report, stderr: r.stderr.slice(0, 2000) });
      for (const l of report) if (l.type === 'keys-add' || l.type === 'keys-remove') { const b = keyBlobOf(l.line); if (b) base.fingerprints[l.line] = b.fingerprint; }
      const invalid = report.some((l) => l.type === 'sudoers-invalid' || l.type === 'account-missing');
      return { ...base, report, ok: r.code === 0 && !invalid, ...(r.code !== 0 && !invalid ? { error: `exit ${r.code}: ${r.stderr.trim().slice(0, 300)}` } : {}) };
    } catch (e) {
      return { ...base, ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
      if (lock?.status === 'locked') await lock.release();
    }
  }));
  return results;
}

/** Human lines for one host's result. Pure. */
export function renderAccessResult(r: HostAccessResult, mode: ConvergeMode): string[] {
  const out: string[] = [];
  const fp = (line: string) => r.fingerprints[line] ?? line.slice(0, 40);
  for (const l of r.report) {
    if (l.type === 'keys-add') out.push(`${r.host}: ${l.account}: ${mode === 'check' ? 'missing' : 'add'} key ${fp(l.line)} ${l.line.split(' ').slice(2).join(' ')}`);
    else if (l.type === 'keys-remove') out.push(`${r.host}: ${l.account}: ${mode === 'check' ? 'undeclared' : 'remove'} key ${fp(l.line)} ${l.line.split(' ').slice(2).join(' ')}`);
    else if (l.type === 'account-missing') out.push(`${r.host}: account ${l.account} does not exist but has keys to install`);
    else if (l.type === 'sudoers-drift') out.push(`${r.host}: sudoers.d/${l.name}: ${l.what === 'add' ? 'missing' : l.what === 'remove' ? 'not declared' : 'differs'}`);
    else if (l.type === 'sudoers-invalid') out.push(`${r.host}: sudoers NOT installed: visudo rejected the assembled policy: ${l.message}`);
    else if (l.type === 'sudoers-written') out.push(`${r.host}: installed sudoers.d/${l.name}`);
    else if (l.type === 'sudoers-removed') out.push(`${r.host}: removed sudoers.d/${l.name}`);
    else if (l.type === 'keys-written') out.push(`${r.host}: wrote ~${l.account}/.ssh/authorized_keys`);
  }
  if (r.error) out.push(`${r.host}: error: ${r.error}`);
  if (out.length === 0) out.push(`${r.host}: in line with the policy`);
  return out;
}
