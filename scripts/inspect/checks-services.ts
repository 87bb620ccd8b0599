/**
 * Service and host checks (issue 16, item 5): the clock is synchronised by a
 * time-sync daemon (ntp_sync), logs are kept at least the policy's days
 * (log_retention; 180 by default, 网络安全法 §21), and a named service answers on
 * its port from the host itself (listening_service). Registered in
 * scripts/inspect/evaluate.ts. Pure: `now` is a parameter.
 */
import { factFailed } from './checks-system.ts';
import { factError, type Fact, type HostFacts } from './facts.ts';
import type { CheckDef, InventoryHost, Outcome, PolicyData } from './model.ts';
import { globMatches, parseSizeKb, parseTimespan, type JournaldFacts, type LogrotateRule } from './parse-log-retention.ts';
import { clockStateName, kernelSynced } from './parse-ntp.ts';

const gathered = <T>(x: Fact<T> | undefined, section: string): Fact<T> => x ?? factError<T>(`not gathered (section '${section}' missing from the probe output)`, section);
const DAY = 86_400;

/** ntp_sync: a time-sync daemon says the clock is synchronised, within `max_offset_ms` (default 1000). Without one, never a pass. */
export function evaluateNtpSync(c: CheckDef, f: HostFacts): Outcome {
  const max = typeof c.params.max_offset_ms === 'number' ? c.params.max_offset_ms : 1000;
  const expected = `clock synchronised by a time-sync daemon (chronyd, ntpd, systemd-timesyncd), offset ≤ ${max} ms`;
  const fact = gathered(f.ntp, 'ntp');
  const err = factFailed(fact, expected);
  if (err || !fact.ok) return err!;
  const n = fact.value;
  const kernel = n.kernel ? `kernel: ${clockStateName(n.kernel.state)}${kernelSynced(n.kernel) ? '' : ' (unsynchronised)'}` : `kernel: unreadable (${n.kernelError ?? 'no output'})`;
  const base = { expected, evidence: fact.command };
  const said = n.sources.map((s) => `${s.daemon}: ${s.detail}${s.offsetMs !== undefined ? `, offset ${round(s.offsetMs)} ms` : ''}`);
  const synced = n.sources.find((s) => s.synced);
  if (synced) {
    const over = synced.offsetMs !== undefined && synced.offsetMs > max;
    return {
      ...base,
      status: over ? 'fail' : 'pass',
      observed: said.join('; '),
      reason: over ? `${synced.daemon} is synchronised but the clock is ${round(synced.offsetMs!)} ms off, more than ${max} ms` : '',
    };
  }
  if (n.sources.length > 0)
    return {
      ...base,
      status: 'fail',
      observed: [...said, kernel].join('; '),
      reason: `${n.sources.map((s) => s.daemon).join(' and ')} ${n.sources.length > 1 ? 'are' : 'is'} not synchronised to a time source`,
    };
  const silent = `no time-sync daemon answers (${n.silent.join('; ')})`;
  if (n.kernel && !kernelSynced(n.kernel))
    return { ...base, status: 'fail', observed: `${silent}; ${kernel}`, reason: 'no time-sync daemon runs on the host and the kernel says its clock is not synchronised (adjtimex: STA_UNSYNC)' };
  if (n.kernel)
    return {
      ...base,
      status: 'error',
      observed: `${silent}; ${kernel}`,
      reason:
        'the kernel says its clock is synchronised, but no time-sync daemon on the host answers, so its source cannot be named (a container shares the clock of the machine it runs on): inspect the machine that keeps the clock, or run chronyd or systemd-timesyncd here',
    };
  return { ...base, status: 'error', observed: `${silent}; ${kernel}`, reason: "the clock's state cannot be read: no time-sync daemon answers and adjtimex could not be read" };
}

const round = (x: number) => Math.round(x * 10) / 10;
const PERIOD_DAYS = { hourly: 1 / 24, daily: 1, weekly: 7, monthly: 30, yearly: 365 } as const;
const kb = (k: number) => (k >= 1024 * 1024 ? `${round(k / 1024 / 1024)}G` : k >= 1024 ? `${round(k / 1024)}M` : `${Math.round(k)}K`);

/** journald: persistent storage, MaxRetentionSec not below `days`, and a size cap (SystemMaxUse) that is not already deleting younger entries. */
function journald(j: JournaldFacts, days: number, now: Date): { observed: string; problems: string[] } {
  const get = (k: string) => j.settings.get(k);
  const storage = get('Storage')?.value || 'auto';
  const effective = storage === 'auto' ? (j.persistentDir ? 'persistent' : 'volatile') : storage;
  const parts = [`Storage=${storage}${storage === 'auto' ? ` (${effective}: /var/log/journal ${j.persistentDir ? 'exists' : 'is missing'})` : ''}`];
  const problems: string[] = [];
  if (effective === 'none') problems.push(`journald keeps no logs (Storage=none${get('Storage') ? `, ${get('Storage')!.at}` : ''})`);
  else if (effective !== 'persistent')
    problems.push(`the journal is kept in /run only and lost at every reboot (Storage=${storage}${get('Storage') ? `, ${get('Storage')!.at}` : ', the default, without /var/log/journal'})`);
  const ret = get('MaxRetentionSec');
  const secs = ret ? parseTimespan(ret.value) : 0;
  if (ret && ret.value !== '' && secs === undefined) problems.push(`MaxRetentionSec=${ret.value} (${ret.at}) is not a time span journald reads`);
  else if (secs) {
    parts.push(`MaxRetentionSec=${ret!.value} (${round(secs / DAY)} d)`);
    if (secs < days * DAY) problems.push(`MaxRetentionSec=${ret!.value} (${ret!.at}) deletes entries after ${round(secs / DAY)} days`);
  } else parts.push('MaxRetentionSec unset (no time limit)');
  const use = get('SystemMaxUse');
  const capKb = use?.value ? parseSizeKb(use.value) : j.fsKb !== undefined ? Math.min(j.fsKb / 10, 4 * 1024 * 1024) : undefined;
  parts.push(use?.value ? `SystemMaxUse=${use.value}` : 'SystemMaxUse default (10% of the file system, at most 4G)');
  if (effective === 'persistent' && capKb !== undefined && j.usageKb !== undefined && j.usageKb >= capKb * 0.9) {
    const age = j.oldest !== undefined ? (now.getTime() / 1000 - j.oldest) / DAY : undefined;
    if (age === undefined || age < days)
      problems.push(
        `the journal uses ${kb(j.usageKb)} of its ${kb(capKb)} cap${use?.value ? ` (SystemMaxUse=${use.value}, ${use.at})` : ''}: journald is deleting its oldest entries, and the oldest left is ${age === undefined ? 'of unknown age' : `${round(age)} days old`}`,
      );
  }
  return { observed: `journald: ${parts.join(', ')}`, problems };
}

function ruleDays(r: LogrotateRule): { days?: number; text: string; problem?: string } {
  if (r.criterion === 'size' || !r.criterion)
    return {
      text: r.criterion ? `rotated by size ${r.size}` : 'no rotation period',
      problem: `${r.criterion ? `rotated by size (size ${r.size})` : 'rotated without a time period'}, so how long it is kept depends on how much is logged`,
    };
  const rotate = r.rotate ?? 0;
  const byCount = rotate < 0 ? Infinity : rotate * PERIOD_DAYS[r.criterion];
  const days = r.maxage !== undefined ? Math.min(byCount, r.maxage) : byCount;
  const text = `rotate ${rotate} × ${r.criterion}${r.maxage !== undefined ? `, maxage ${r.maxage}` : ''} = ${days === Infinity ? 'kept' : `${round(days)} d`}`;
  if (r.maxsize) return { days, text: `${text}, maxsize ${r.maxsize}`, problem: `maxsize ${r.maxsize} rotates it sooner than ${r.criterion} when it grows` };
  return { days, text };
}

/** log_retention: journald (unless `journald: false`) and logrotate's rule for each of `files` keep logs at least `days` (default 180). */
export function evaluateLogRetention(c: CheckDef, f: HostFacts, _host: InventoryHost, _policy: PolicyData, now: Date): Outcome {
  const days = typeof c.params.days === 'number' ? c.params.days : 180;
  const files = Array.isArray(c.params.files) ? c.params.files.map(String) : [];
  const useJournald = c.params.journald !== false;
  const expected = `logs kept ≥ ${days} days (${[useJournald ? 'journald' : '', files.length ? `logrotate: ${files.join(', ')}` : ''].filter(Boolean).join('; ') || 'nothing named'})`;
  const fact = gathered(f.logRetention, 'log-retention');
  const err = factFailed(fact, expected);
  if (err || !fact.ok) return err!;
  const { journald: j, logrotate: lr } = fact.value;
  const observed: string[] = [];
  const problems: string[] = [];
  const base = { expected, evidence: fact.command };
  if (!useJournald && files.length === 0) return { ...base, status: 'error', observed: '', reason: 'nothing to evaluate: journald is off (journald: false) and no files are named' };
  if (useJournald) {
    if (!j.configured)
      return {
        ...base,
        status: 'error',
        observed: 'journald: no journald.conf or drop-in',
        reason: 'journald is not configured on this host: set journald: false and name the log files logrotate keeps',
      };
    const r = journald(j, days, now);
    observed.push(r.observed);
    problems.push(...r.problems);
  }
  for (const file of files) {
    const rule = lr.rules.find((r) => r.patterns.some((p) => p === file || globMatches(p, file)));
    if (!rule) {
      observed.push(`${file}: no logrotate rule (kept until removed)`);
      continue;
    }
    const d = ruleDays(rule);
    observed.push(`${file}: ${d.text} (${rule.at})`);
    if (d.problem) problems.push(`${file}: ${d.problem} (${rule.at})`);
    else if (d.days !== undefined && d.days < days) problems.push(`${file}: logrotate keeps ${round(d.days)} days (${rule.at})`);
  }
  if (files.length && !lr.installed) observed.push('logrotate is not installed (its rules are judged as written)');
  if (files.length && !lr.configured) observed.push('no /etc/logrotate.conf');
  observed.push(...lr.notes);
  return { ...base, status: problems.length ? 'fail' : 'pass', observed: observed.join('; '), reason: problems.length ? `${problems.join('; ')}: less than ${days} days` : '' };
}

const WILDCARD = new Set(['0.0.0.0', '::', '*']);
const STOPPED: Record<string, string> = { T: 'stopped', t: 'stopped by a tracer', Z: 'a zombie', X: 'dead' };

/** listening_service: process `service` listens on tcp/`port` (at `address`, or a wildcard), is not stopped, and a connection from the host succeeds. */
export function evaluateListeningService(c: CheckDef, f: HostFacts): Outcome {
  const service = String(c.params.service ?? '');
  const port = Number(c.params.port);
  const address = typeof c.params.address === 'string' ? c.params.address : undefined;
  const expected = `${service} listening on tcp/${port}${address ? ` at ${address}` : ''}, answering a connection from the host`;
  const fact = gathered(f.listenProcs, 'listen-procs');
  const err = factFailed(fact, expected);
  if (err || !fact.ok) return err!;
  const base = { expected, evidence: fact.command };
  const onPort = fact.value.listeners.filter((l) => l.port === port);
  const mine = onPort.filter((l) => !address || l.address === address || WILDCARD.has(l.address));
  const where = (ls: typeof onPort) => [...new Set(ls.map((l) => (l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`)))].join(', ');
  if (mine.length === 0)
    return {
      ...base,
      status: 'fail',
      observed: onPort.length ? `tcp/${port} only at ${where(onPort)}` : `nothing listens on tcp/${port}`,
      reason: `${service} does not listen on tcp/${port}${address ? ` at ${address}` : ''}`,
    };
  const procs = [...new Map(mine.flatMap((l) => l.procs).map((p) => [p.pid, p])).values()];
  if (procs.length === 0)
    return { ...base, status: 'error', observed: `${where(mine)}, process not named`, reason: `ss names no process for tcp/${port}: the probe needs root (sudo) to see another user's sockets` };
  const exeName = (pid: number) => fact.value.procs.get(pid)?.exe.split('/').pop() ?? '';
  const isService = (p: { name: string; pid: number }) => p.name === service || (p.name.length === 15 && service.startsWith(p.name)) || exeName(p.pid) === service;
  const ours = procs.filter(isService);
  if (ours.length === 0) {
    const names = [...new Set(procs.map((p) => p.name))].join(', ');
    return { ...base, status: 'fail', observed: `${names} listens on ${where(mine)}`, reason: `tcp/${port} is held by ${names}, not ${service}` };
  }
  const states = [...new Set(ours.map((p) => fact.value.procs.get(p.pid)?.state ?? '?'))];
  const observed = `${service} (state ${states.join(', ')}) listens on ${where(mine)}`;
  const dead = states.filter((s) => STOPPED[s]);
  if (dead.length === states.length)
    return {
      ...base,
      status: 'fail',
      observed,
      reason: `${service} holds tcp/${port} but is ${dead.map((s) => STOPPED[s]).join(', ')} (state ${dead.join(', ')}): the kernel accepts connections it never answers`,
    };
  const conn = fact.value.connects.get(port);
  if (!conn?.address || conn.status === undefined)
    return { ...base, status: 'error', observed, reason: conn?.via === 'none' ? 'the host has neither bash nor nc to connect with' : `no connection was tried to tcp/${port}` };
  const target = conn.address.includes(':') ? `[${conn.address}]:${port}` : `${conn.address}:${port}`;
  if (conn.status !== 0)
    return { ...base, status: 'fail', observed: `${observed}; connection to ${target} failed`, reason: `a connection from the host to ${target} failed (${conn.via} exit ${conn.status})` };
  return { ...base, status: 'pass', observed: `${observed}; connected to ${target} from the host`, reason: '' };
}

/** The registry entries (scripts/inspect/evaluate.ts spreads them in); listening_service's ports reach the probe through probeNeeds. */
export const SERVICE_CHECKS = {
  ntp_sync: { sections: ['ntp'], evaluate: (c: CheckDef, f: HostFacts) => evaluateNtpSync(c, f) },
  log_retention: { sections: ['log-retention'], evaluate: evaluateLogRetention },
  listening_service: { sections: [], evaluate: (c: CheckDef, f: HostFacts) => evaluateListeningService(c, f) },
} as const;
