/**
 * Converges (or checks) access on hosts: renders each host's policy, refuses a
 * policy that would manage the login account, runs the all-or-nothing script
 * as root under the host lock and the step runner, confirms a sudoers.d change
 * over a fresh connection, and reports per host in the shape both converge
 * capabilities share. Edge.
 */
import { createHash } from 'node:crypto';
import type { RepoModel } from '../repo/repo-model.ts';
import { zoneOrRefuse } from '../rules/calendar-zone.ts';
import { confirmId } from '../remote/commit-confirm.ts';
import { renderRootScript } from '../remote/commands.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { ConnectOptions, SshTarget } from '../ssh/types.ts';
import { keyBlobOf, renderAccessPolicy } from './access.ts';
import { loginAccountProblem } from './login-account.ts';
import { isAccessAttention, isAccessDrift, isAccessFailure, parseAccessOutput, renderAccessScript, type AccessReportLine, type ConvergeMode } from './access-script.ts';
import type { ConvergeHostResult } from './result.ts';
import { runHostScript } from './run-on-host.ts';
import { allowedSudoLines } from './sudoers-allow.ts';

/** Called before the script runs on a host (written to the record first) and after. */
export interface ConvergeHooks {
  before?: (host: string, detail: Record<string, unknown>) => Promise<void>;
  after?: (host: string, result: ConvergeHostResult) => Promise<void>;
}

export interface AccessRunOptions {
  repo: RepoModel;
  hosts: ReadonlyArray<{ id: string; data: { groups: string[]; user: string } }>;
  targets: readonly SshTarget[];
  fleet: Fleet;
  connect: ConnectOptions;
  mode: ConvergeMode;
  now: Date;
  owner: string;
  scope: string;
  run: string;
  confirmSeconds?: number;
  hooks?: ConvergeHooks;
  sleep?: (ms: number) => Promise<void>;
}

/** The access inputs of a repository, as renderAccessPolicy wants them. */
export function accessInputs(repo: RepoModel) {
  return {
    people: repo.all('person').map((d) => d.data),
    roles: repo.all('role').map((d) => d.data),
    grants: repo.all('grant').map((d) => d.data),
    // Grants start and end in the calendar's zone: one it does not give refuses, exit 2 (ARCHITECTURE.md, "The calendar's time zone").
    timezone: zoneOrRefuse(repo),
  };
}

export async function convergeAccess(o: AccessRunOptions): Promise<ConvergeHostResult[]> {
  const inputs = accessInputs(o.repo);
  const allowed = allowedSudoLines(o.repo.all('baseline').map((d) => d.data as unknown as { checks: Array<{ type: string; params?: Record<string, unknown> }> }));
  const seconds = o.confirmSeconds ?? 120;
  return Promise.all(
    o.hosts.map(async (h): Promise<ConvergeHostResult> => {
      const policy = renderAccessPolicy(h, inputs, o.now);
      // Keys the policy leaves out (a person who left, an expired grant) are the policy working: recorded, not a task.
      const base = { host: h.id, target: 'access' as const, changes: [], attention: [], detail: { excluded: policy.excluded } };
      const login = loginAccountProblem(policy, h.data.user);
      const refused = [...policy.problems, ...(login ? [`access.manages-login-account: ${login}`] : [])];
      if (refused.length > 0) return { ...base, outcome: 'failed', error: refused.join('; ') };
      const target = o.targets.find((t) => t.id === h.id)!;
      const script = renderAccessScript(policy, o.mode, { loginUser: h.data.user, allowed, confirm: { id: confirmId('access', o.run, h.id), seconds } });
      await o.hooks?.before?.(h.id, {
        command: renderRootScript().command,
        script_sha256: createHash('sha256').update(script).digest('hex'),
        accounts: policy.accounts.map((a) => ({ account: a.account, keys: a.keys.map((k) => ({ person: k.person, grant: k.grant, fingerprint: k.fingerprint })) })),
        sudoers: policy.sudoers.map((x) => x.name),
        excluded: policy.excluded,
      });
      const r = await runHostScript({
        fleet: o.fleet,
        target,
        connect: o.connect,
        scope: o.scope,
        run: o.run,
        owner: o.owner,
        script,
        apply: o.mode === 'apply',
        confirmSeconds: seconds,
        ...(o.sleep ? { sleep: o.sleep } : {}),
      });
      let result: ConvergeHostResult;
      if ('error' in r) result = { ...base, outcome: r.unreachable ? 'unreachable' : 'failed', error: r.error };
      else {
        const report = parseAccessOutput(r.stdout);
        const changes = report.flatMap((l) => describe(l, o.mode));
        const attention = report
          .filter(isAccessAttention)
          .map((l) =>
            l.type === 'sudoers-login-rule'
              ? `${where(l.name)}:${l.line}: grants the login account and is not in the access policy; kept (converge never takes opsgate's own access away): allow it in a baseline's sudoers check, or change it by hand: ${l.text}`
              : `${where(l.name)}:${l.line}: grants a managed account through a group or ALL and is not in the access policy; kept (others in the group would lose it too): take the account out of the group, or allow the rule: ${l.text}`,
          );
        const failed = report.some(isAccessFailure) || (r.code !== 0 && r.code !== null) || (r.state !== 'ended' && r.state !== undefined);
        const drift = report.some(isAccessDrift);
        const outcome =
          r.confirm && !r.confirm.confirmed
            ? r.confirm.reverted
              ? 'reverted'
              : 'needs_attention'
            : r.code === null && !r.state
              ? 'unreachable'
              : failed
                ? 'failed'
                : o.mode === 'check' && drift
                  ? 'drift'
                  : 'succeeded';
        const why = failed && !report.some(isAccessFailure) ? `exit ${r.code}${r.state && r.state !== 'ended' ? ` (${r.state})` : ''}: ${r.stderr.trim().slice(0, 300)}` : undefined;
        result = {
          ...base,
          outcome,
          changes,
          attention,
          ...(why ? { error: why } : {}),
          ...(r.confirm ? { confirmMs: r.confirm.ms, ...(r.confirm.confirmed ? {} : { error: r.confirm.why }) } : {}),
          detail: { ...base.detail, report, exit_code: r.code, ...(r.confirm ? { confirm: r.confirm } : {}) },
        };
      }
      await o.hooks?.after?.(h.id, result);
      return result;
    }),
  );
}

/** A sudoers.d file by its name, any other sudoers file by its path. */
const where = (name: string) => (name.startsWith('/') ? name : `sudoers.d/${name}`);
const fp = (line: string) => keyBlobOf(line)?.fingerprint ?? line.slice(0, 40);
const comment = (line: string) => line.split(' ').slice(2).join(' ');

/** One person-readable sentence per report line (none for lines that only record progress). */
function describe(l: AccessReportLine, mode: ConvergeMode): string[] {
  switch (l.type) {
    case 'keys-add':
      return [`${l.account}: ${mode === 'check' ? 'missing' : 'add'} key ${fp(l.line)} ${comment(l.line)}`];
    case 'keys-remove':
      return [`${l.account}: ${mode === 'check' ? 'undeclared' : 'remove'} key ${fp(l.line)} ${comment(l.line)}`];
    case 'account-missing':
      return [`account ${l.account} does not exist but has keys to install`];
    case 'login-account-refused':
      return [`${l.account} is the account opsgate logs in with (or shares its uid or key file): refused, nothing installed`];
    case 'keys-refused':
      return [`${l.account}: keys refused: ${l.reason}; nothing installed`];
    case 'keys-invalid':
      return [`the keys rendered for ${l.account} do not parse: nothing installed`];
    case 'sudoers-drift':
      return [`sudoers.d/${l.name}: ${l.what === 'add' ? 'missing' : l.what === 'remove' ? 'not declared' : 'differs'}`];
    case 'sudoers-rule':
      return [`${where(l.name)}:${l.line}: ${mode === 'check' ? 'rule not in the access policy' : 'commented out, not in the access policy'}: ${l.text}`];
    case 'sudoers-invalid':
      return [`sudoers NOT installed: visudo rejected the assembled policy: ${l.message}`];
    case 'sudoers-written':
      return [`installed ${where(l.name)}`];
    case 'sudoers-removed':
      return [`removed sudoers.d/${l.name}`];
    case 'keys-written':
      return [`wrote ~${l.account}/.ssh/authorized_keys`];
    case 'error':
      return [`error: ${l.message}`];
    default:
      return [];
  }
}
