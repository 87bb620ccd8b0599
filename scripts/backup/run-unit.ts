/**
 * One unit of `backup verify` on its restic host: snapshots, check, retention
 * and restore tests, each a separate command on the open connection with the
 * password on stdin. Edge (SSH), with every decision in evaluate.ts.
 */
import { randomBytes } from 'node:crypto';
import type { HostSession } from '../ssh/types.ts';
import { redactSecrets } from '../ssh/redact.ts';
import { compareRestore, evaluateFreshness, evaluateRetention, evaluateRto, snapshotsOf } from './evaluate.ts';
import { parseCheck, parseForget, parseListing, parseSha256, parseSnapshots, parseTree, type Snapshot } from './parse.ts';
import { samplePathsOf, type BackupPolicy, type VerifyUnit } from './plan.ts';
import { evidenceOf, flag, passwordStdin, renderWithPassword, resticArgv } from './restic.ts';
import { restoreTestArgv, splitScriptSections } from './restore-script.ts';
import { errorRestore, errorRetention, errorSnapshots, type CheckResult, type HostResult, type RestoreResult } from './types.ts';

export interface UnitContext {
  session: HostSession;
  policy: BackupPolicy;
  password: string;
  now: () => Date;
  zone: string;
  /** Per restic command, on the host (`timeout`) and on the client. */
  timeoutMs: number;
  secrets: string[];
}

/** Runs argv as root under a host-side timeout, the password on stdin. */
async function runRestic(ctx: UnitContext, argv: string[]) {
  const seconds = Math.max(5, Math.floor(ctx.timeoutMs / 1000));
  const r = renderWithPassword(argv);
  const full = ['timeout', '-k', '5', String(seconds), ...r.argv];
  const out = await ctx.session.exec(r.sudo ? ['sudo', '-n', '--', ...full] : full, { stdin: passwordStdin(ctx.password), timeoutMs: ctx.timeoutMs + 10_000 });
  return { ...out, stdout: redactSecrets(out.stdout, ctx.secrets), stderr: redactSecrets(out.stderr, ctx.secrets) };
}

const firstLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' | ')
    .slice(0, 400);
const retentionFlags = (r: BackupPolicy['retention']) =>
  Object.entries(r)
    .filter(([, v]) => typeof v === 'number' && v > 0)
    .map(([k, v]) => flag(`--${k.replace('_', '-')}`, String(v)));

export async function runUnit(u: VerifyUnit, ctx: UnitContext): Promise<{ check?: CheckResult; hosts: HostResult[] }> {
  const p = ctx.policy;
  const tags = p.tags?.length ? [flag('--tag', p.tags.join(','))] : [];
  const hostFlags = u.targets.map((t) => flag('--host', t));
  const retention = p.retention as Record<string, number>;

  // 1. Snapshots of the targets (one listing for all of them).
  const snapArgv = resticArgv(u.repository, 'snapshots', ['--json', ...hostFlags, ...tags], { noLock: true });
  const snapEvidence = evidenceOf(snapArgv);
  let all: Snapshot[] | undefined;
  let snapError = '';
  const s = await runRestic(ctx, snapArgv);
  if (s.code !== 0) snapError = `restic snapshots exited ${s.code ?? s.signal}: ${firstLine(s.stderr)}`;
  else
    try {
      all = parseSnapshots(s.stdout);
    } catch (e) {
      snapError = `could not read restic snapshots --json: ${(e as Error).message}`;
    }

  // 2. restic check, once per repository.
  let check: CheckResult | undefined;
  if (u.check) {
    const subset = p.verification.read_data_subset;
    const argv = resticArgv(u.repository, 'check', subset ? [flag('--read-data-subset', subset)] : []);
    const started = performance.now();
    const c = await runRestic(ctx, argv);
    const o = parseCheck(c.code, c.stdout, c.stderr);
    check = {
      policy: p.id,
      host: u.executor,
      repository: u.repository,
      status: o.status,
      read_data_subset: subset ?? null,
      errors: o.errors,
      duration_ms: Math.round(performance.now() - started),
      evidence: evidenceOf(argv),
    };
  }

  // 3. What the policy's retention would keep and remove.
  const forgetArgv = resticArgv(u.repository, 'forget', ['--dry-run', '--json', ...hostFlags, ...tags, ...(tags.length ? [flag('--group-by', 'host,tags')] : []), ...retentionFlags(p.retention)], {
    noLock: true,
  });
  const forgetEvidence = evidenceOf(forgetArgv);
  let groups: ReturnType<typeof parseForget> | undefined;
  let forgetError = '';
  if (all) {
    const f = await runRestic(ctx, forgetArgv);
    if (f.code !== 0) forgetError = `restic forget --dry-run exited ${f.code ?? f.signal}: ${firstLine(f.stderr)}`;
    else
      try {
        groups = parseForget(f.stdout);
      } catch (e) {
        forgetError = `could not read restic forget --json: ${(e as Error).message}`;
      }
  }

  const hosts: HostResult[] = [];
  for (const t of u.targets) {
    const base = { policy: p.id, host: t, executor: u.executor, repository: u.repository };
    if (!all) {
      hosts.push({
        ...base,
        snapshots: errorSnapshots(snapError, p.rpo_hours, snapEvidence),
        retention: errorRetention(snapError, retention, forgetEvidence),
        ...(u.restoreTargets.includes(t) ? { restore: errorRestore(snapError, samplePathsOf(p), p.rto_hours) } : {}),
      });
      continue;
    }
    const mine = snapshotsOf(all, t, { tags: p.tags ?? [], paths: p.paths });
    const fresh = evaluateFreshness(mine, p.rpo_hours, ctx.now());
    const snapshots = { ...fresh, snapshots: mine.map((x) => ({ id: x.shortId, time: new Date(Date.parse(x.time)).toISOString() })), evidence: snapEvidence };
    const ret = groups ? { ...evaluateRetention(mine, groups, t, p.retention, ctx.now(), ctx.zone), retention, evidence: forgetEvidence } : errorRetention(forgetError, retention, forgetEvidence);
    const result: HostResult = { ...base, snapshots, retention: ret };
    if (u.restoreTargets.includes(t)) result.restore = await restoreTest(u, ctx, mine);
    hosts.push(result);
  }
  return { ...(check ? { check } : {}), hosts };
}

async function restoreTest(u: VerifyUnit, ctx: UnitContext, mine: Snapshot[]): Promise<RestoreResult> {
  const p = ctx.policy;
  const paths = samplePathsOf(p);
  const newest = [...mine].sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
  if (!newest) return errorRestore('no snapshot of this host to restore', paths, p.rto_hours);
  const boundary = `OGR-${randomBytes(12).toString('hex')}`;
  const scratch = p.verification.scratch_dir ?? '/var/tmp';
  const argv = restoreTestArgv(boundary, u.repository, newest.id, scratch, paths);
  const evidence = `restic ls --json --recursive ${newest.shortId} PATHS; restic restore ${newest.shortId} --target SCRATCH --verify --include PATH…; sha256sum of the restored files vs restic dump ${newest.shortId} PATH; rm -rf SCRATCH (on ${u.executor}, scratch under ${scratch})`;
  const fail = (reason: string) => ({ ...errorRestore(reason, paths, p.rto_hours, evidence), snapshot_id: newest.shortId, snapshot_time: new Date(Date.parse(newest.time)).toISOString() });
  const r = await runRestic(ctx, argv);
  const sec = splitScriptSections(r.stdout, boundary);
  const scratchSec = sec.get('scratch');
  if (!scratchSec || scratchSec.status !== 0) return fail(`could not create a scratch directory under ${scratch}: ${firstLine(r.stderr) || `exit ${r.code}`}`);
  const cleanup = sec.get('cleanup');
  const removed = cleanup ? cleanup.status === 0 : null;
  const listing = sec.get('listing');
  const restore = sec.get('restore');
  if (!listing || listing.status !== 0) return { ...fail(`restic ls failed: ${firstLine(sec.get('listing-stderr')?.text ?? r.stderr)}`), scratch_removed: removed };
  const ns = Number(sec.get('restore-ns')?.text ?? NaN);
  const durationMs = Number.isFinite(ns) ? Math.round(ns / 1e6) : null;
  const rto = durationMs === null ? null : evaluateRto(durationMs, p.rto_hours);
  let cmp;
  try {
    cmp = compareRestore({
      samplePaths: paths,
      listing: parseListing(listing.text).nodes,
      restored: parseTree(sec.get('restored')?.text ?? ''),
      restoredSha: parseSha256(sec.get('restored-sha256')?.text ?? ''),
      dumpedSha: parseSha256(sec.get('dumped-sha256')?.text ?? ''),
    });
  } catch (e) {
    return { ...fail(`could not read the restore test's output: ${(e as Error).message}`), scratch_removed: removed };
  }
  const restoreFailed = !restore || restore.status !== 0;
  const dumpNotes = (sec.get('dumped')?.text ?? '')
    .split('\0')
    .map((x) => x.trim())
    .filter(Boolean);
  const reasons = [
    ...(restoreFailed ? [`restic restore ${restore ? `exited ${restore.status}` : 'did not finish'}: ${firstLine(restore?.text ?? r.stderr)}`] : []),
    ...(cmp.reason ? [cmp.reason] : []),
    ...(dumpNotes.length && cmp.status !== 'pass' ? [`restic dump: ${dumpNotes.slice(0, 3).join('; ')}`] : []),
    ...(rto && !rto.met ? [rto.reason] : []),
    ...(removed === false ? [`the scratch directory was not removed: ${cleanup?.text ?? ''}`] : []),
  ];
  const content = restoreFailed || cmp.status !== 'pass' ? 'fail' : 'pass';
  const status = content === 'pass' && rto?.met === true && removed !== false ? 'pass' : 'fail';
  return {
    ...cmp,
    status,
    content,
    snapshot_id: newest.shortId,
    snapshot_time: new Date(Date.parse(newest.time)).toISOString(),
    sample_paths: paths,
    duration_ms: durationMs,
    rto_hours: p.rto_hours,
    rto_met: rto ? rto.met : null,
    scratch_removed: removed,
    reason: reasons.join('; '),
    evidence,
  };
}
