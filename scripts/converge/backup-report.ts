/**
 * Reads what the backup host script printed (backup-script.ts, its OG lines)
 * and says it for a person: the changes made or the drift found, per policy,
 * in terms of the policy (schedule, retention, paths, repository), not of
 * files. Pure.
 */
import type { FileRole, RenderedPolicy } from './backup-render.ts';

export type BackupLine =
  | { type: 'init'; init: string }
  | { type: 'cron-daemon'; name: string }
  | { type: 'restic-missing' | 'nothing-installed' | 'reloaded' }
  | { type: 'file'; policy: string; role: FileRole; path: string; state: 'same' | 'differs' | 'missing' | 'unknown'; mode: string; owner: string }
  | { type: 'have'; policy: string; path: string; content: string }
  | { type: 'env'; policy: string; name: string; state: string }
  | { type: 'timer'; policy: string; unit: string; enabled: string; active: string }
  | { type: 'unit-result'; policy: string; unit: string; result: string; status?: string; exitedAt?: string }
  | { type: 'last-run'; policy: string; state: string; time: string; kind: string; rc: string }
  | { type: 'repo'; policy: string; state: string; message: string }
  | { type: 'repo-initialised'; policy: string }
  | { type: 'calendar-invalid'; policy: string; expr: string; message: string }
  | { type: 'unit-invalid' | 'error'; message: string }
  | { type: 'stale' | 'removed'; path: string }
  | { type: 'written'; policy: string; role: string; path: string }
  | { type: 'timer-enabled' | 'timer-restarted'; unit: string };

export function parseBackupOutput(stdout: string): BackupLine[] {
  const out: BackupLine[] = [];
  for (const raw of stdout.split('\n')) {
    const f = raw.split('\t');
    if (f[0] !== 'OG' || !f[1]) continue;
    const [, type, a = '', b = '', c = '', d = '', e = '', g = ''] = f;
    switch (type) {
      case 'init':
        out.push({ type, init: a });
        break;
      case 'cron-daemon':
        out.push({ type, name: a });
        break;
      case 'restic-missing':
      case 'nothing-installed':
      case 'reloaded':
        out.push({ type });
        break;
      case 'file':
        out.push({ type, policy: a, role: b as FileRole, path: c, state: d as 'same', mode: e, owner: g });
        break;
      case 'have':
        out.push({ type, policy: a, path: b, content: Buffer.from(c, 'base64').toString('utf8') });
        break;
      case 'env':
        out.push({ type, policy: a, name: b, state: c });
        break;
      case 'timer':
        out.push({ type, policy: a, unit: b, enabled: c, active: d });
        break;
      case 'unit-result':
        out.push({ type, policy: a, unit: b, result: c, ...(d && d !== '-' ? { status: d } : {}), ...(e && e !== '-' ? { exitedAt: e } : {}) });
        break;
      case 'last-run':
        out.push({ type, policy: a, state: b, time: c, kind: d, rc: e });
        break;
      case 'repo':
        out.push({ type, policy: a, state: b, message: f.slice(4).join(' ') });
        break;
      case 'repo-initialised':
        out.push({ type, policy: a });
        break;
      case 'calendar-invalid':
        out.push({ type, policy: a, expr: b, message: f.slice(4).join(' ') });
        break;
      case 'unit-invalid':
      case 'error':
        out.push({ type, message: f.slice(2).join(' ') });
        break;
      case 'stale':
      case 'removed':
        out.push({ type, path: a });
        break;
      case 'written':
        out.push({ type, policy: a, role: b, path: c });
        break;
      case 'timer-enabled':
      case 'timer-restarted':
        out.push({ type, unit: a });
        break;
    }
  }
  return out;
}

/** Lines that mean nothing (or not everything) was installed. */
export function isBackupFailure(l: BackupLine): boolean {
  return (
    l.type === 'restic-missing' ||
    l.type === 'nothing-installed' ||
    l.type === 'calendar-invalid' ||
    l.type === 'unit-invalid' ||
    l.type === 'error' ||
    (l.type === 'repo' && l.state !== 'ok' && l.state !== 'unknown' && l.state !== 'missing')
  );
}

/** The aspects a person recognises in a policy, and which file carries them. */
export type Aspect = 'schedule' | 'retention' | 'paths' | 'repository' | 'password' | 'job';

const linesWith = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));
const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** What differs between an installed file and the rendered one, as aspects with a sentence each. */
export function fileDrift(role: FileRole, installed: string | undefined, want: string): Array<{ aspect: Aspect; what: string }> {
  if (installed === undefined) return [{ aspect: role === 'timer' || role === 'cron' ? 'schedule' : 'job', what: 'differs' }];
  const out: Array<{ aspect: Aspect; what: string }> = [];
  if (role === 'timer') {
    const a = linesWith(installed, /^(OnCalendar|RandomizedDelaySec|Persistent)=/);
    const b = linesWith(want, /^(OnCalendar|RandomizedDelaySec|Persistent)=/);
    if (!same(a, b)) out.push({ aspect: 'schedule', what: `installed ${a.join(', ') || 'no OnCalendar'}; policy ${b.join(', ')}` });
  } else if (role === 'cron') {
    const jobs = (t: string) => linesWith(t, /^[\d*,/-]+ \* \* \* \* root /).map((l) => l.replace(/ >>.*$/, ''));
    if (!same(jobs(installed), jobs(want))) out.push({ aspect: 'schedule', what: `installed "${jobs(installed).join('" "') || 'no job line'}"; policy "${jobs(want).join('" "')}"` });
    const sched = (t: string) => linesWith(t, /^# Schedule in /);
    if (out.length === 0 && !same(sched(installed), sched(want))) out.push({ aspect: 'schedule', what: 'the schedule the cron file names differs' });
  } else if (role === 'run') {
    const step = (t: string, name: string) => linesWith(t, new RegExp(`og_step ${name} `)).map((l) => l.replace(/^.*og_step \S+ \d+ /, ''));
    if (!same(step(installed, 'backup'), step(want, 'backup')))
      out.push({ aspect: 'paths', what: `installed ${step(installed, 'backup').join(' / ') || 'no restic backup'}; policy ${step(want, 'backup').join(' / ')}` });
    if (!same(step(installed, 'forget'), step(want, 'forget')))
      out.push({ aspect: 'retention', what: `installed ${step(installed, 'forget').join(' / ') || 'no restic forget'}; policy ${step(want, 'forget').join(' / ')}` });
  }
  if (out.length === 0 && installed !== want)
    out.push({
      aspect: 'job',
      what: `${role === 'run' ? 'the job script' : role === 'service' ? 'the service unit' : role === 'timer' ? 'the timer' : 'the cron file'} differs (hooks, limits or a local edit)`,
    });
  return out;
}

export interface PolicyFindings {
  policy: string;
  /** One entry per thing that differs, by aspect. */
  drift: Array<{ aspect: Aspect | 'timer' | 'mode' | 'stale'; what: string }>;
  /** How the repository answered. */
  repo?: { state: string; message: string };
  lastRun?: { state: string; time: string; kind: string; rc: string; unitResult?: string };
}

/** Per policy: what differs on the host. `skipEnv`: variables whose secret the runner lacks (not compared). */
export function policyFindings(lines: readonly BackupLine[], rendered: RenderedPolicy, skipEnv: readonly string[] = []): PolicyFindings {
  const id = rendered.policy;
  const mine = lines.filter((l) => 'policy' in l && l.policy === id);
  const want = new Map([...rendered.common, ...rendered.systemd, ...rendered.cron].map((f) => [f.path, f]));
  const drift: PolicyFindings['drift'] = [];
  for (const l of mine) {
    if (l.type === 'file') {
      const f = want.get(l.path);
      const what = l.path;
      if (l.state === 'missing') {
        drift.push({ aspect: l.role === 'timer' || l.role === 'cron' ? 'timer' : l.role === 'env' ? 'repository' : l.role === 'password' ? 'password' : 'job', what: `${what} is missing` });
        continue;
      }
      if (f && l.mode !== f.mode) drift.push({ aspect: 'mode', what: `${what} has mode ${l.mode.padStart(4, '0')}, the policy installs ${f.mode.padStart(4, '0')}` });
      if (l.owner !== '0:0') drift.push({ aspect: 'mode', what: `${what} is owned by ${l.owner}, not root` });
      if (l.state !== 'differs' || !f) continue;
      if (l.role === 'password') drift.push({ aspect: 'password', what: `${what}: the repository password differs from the runner's ${'secret'}` });
      else if (l.role !== 'env') {
        const have = mine.find((x) => x.type === 'have' && x.path === l.path);
        for (const d of fileDrift(l.role, have?.type === 'have' ? have.content : undefined, f.content)) drift.push({ aspect: d.aspect, what: `${what}: ${d.what}` });
      }
    } else if (l.type === 'env' && !skipEnv.includes(l.name)) {
      const aspect = l.name === 'RESTIC_REPOSITORY' ? 'repository' : 'job';
      drift.push({
        aspect,
        what: `${l.name} ${l.state === 'extra' ? 'is set but not declared' : l.state === 'missing' ? 'is not set' : 'differs'} in the environment file${l.name === 'RESTIC_REPOSITORY' ? ` (policy: ${rendered.repository})` : ''}`,
      });
    } else if (l.type === 'timer' && (l.enabled !== 'enabled' || l.active !== 'active')) {
      drift.push({ aspect: 'timer', what: `${l.unit} is ${l.enabled}, ${l.active}` });
    }
  }
  const repo = mine.find((l) => l.type === 'repo');
  const last = mine.find((l) => l.type === 'last-run');
  const units = mine.flatMap((l) => (l.type === 'unit-result' ? [l] : []));
  const failedUnit = units.find((u) => u.result !== 'success' && u.result !== 'unknown');
  return {
    policy: id,
    drift,
    ...(repo?.type === 'repo' ? { repo: { state: repo.state, message: repo.message } } : {}),
    ...(last?.type === 'last-run'
      ? { lastRun: { state: last.state, time: last.time, kind: last.kind, rc: last.rc, ...(failedUnit ? { unitResult: failedUnit.result } : {}) } }
      : failedUnit
        ? // No status file (a wiped state directory, or a run killed before it wrote one): systemd's own account of the service.
          { lastRun: { state: 'failed', time: systemdUtc(failedUnit.exitedAt), kind: kindOfUnit(failedUnit.unit), rc: failedUnit.status ?? 'unknown', unitResult: failedUnit.result } }
        : {}),
  };
}

/** The schedule kind of a rendered unit name (opsgate-backup-<policy>.<kind>.service). */
const kindOfUnit = (unit: string) => unit.split('.').at(-2) ?? 'unknown';

/** `systemctl show --timestamp=utc` time ('Mon 2026-11-30 08:10:00 UTC') as ISO, or 'an unknown time'. */
export function systemdUtc(t: string | undefined): string {
  const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC$/.exec(t ?? '');
  return m ? `${m[1]}T${m[2]}Z` : 'an unknown time';
}

/** Stale files (of policies no longer declared here), host-wide. */
export function staleFiles(lines: readonly BackupLine[]): string[] {
  return lines.flatMap((l) => (l.type === 'stale' ? [l.path] : []));
}

/** One sentence per change made in apply mode. */
export function describeApplied(lines: readonly BackupLine[]): string[] {
  return lines.flatMap((l) => {
    switch (l.type) {
      case 'written':
        return [`${l.policy}: wrote ${l.path}`];
      case 'removed':
        return [`removed ${l.path} (no policy declares it here any more)`];
      case 'repo-initialised':
        return [`${l.policy}: created the repository (restic init; the policy says init: true)`];
      case 'timer-enabled':
        return [`enabled and started ${l.unit}`];
      case 'timer-restarted':
        return [`restarted ${l.unit} (its schedule changed)`];
      case 'reloaded':
        return ['systemctl daemon-reload'];
      default:
        return [];
    }
  });
}

/** Why nothing was installed, one sentence each. */
export function describeFailures(lines: readonly BackupLine[], rendered: readonly RenderedPolicy[]): string[] {
  return lines.flatMap((l) => {
    switch (l.type) {
      case 'restic-missing':
        return ['restic is not installed on the host'];
      case 'calendar-invalid':
        return [`${l.policy}: systemd-analyze calendar rejects '${l.expr}': ${l.message}`];
      case 'unit-invalid':
        return [`systemd-analyze verify rejects the units: ${l.message}`];
      case 'repo':
        if (l.state === 'missing')
          return rendered.find((r) => r.policy === l.policy)?.init
            ? []
            : [`${l.policy}: the repository ${rendered.find((r) => r.policy === l.policy)?.repository ?? ''} does not exist; opsgate creates it only when the policy says repository.init: true`];
        if (l.state === 'password') return [`${l.policy}: the repository does not open with the runner's password (wrong password)`];
        if (l.state === 'error') return [`${l.policy}: the repository cannot be opened: ${l.message}`];
        return [];
      case 'error':
        return [`error: ${l.message}`];
      case 'nothing-installed':
        return ['nothing was installed'];
      default:
        return [];
    }
  });
}
