/** Renderers for a `backup verify` result: text, JSON, GitHub annotations and job summary. Pure. */
import { sanitizeForLog } from '../render/sanitize.ts';
import type { VerifySummary } from './record.ts';
import type { VerifyResults, VerifyStatus } from './types.ts';
import { escapeData, escapeProperty } from '../actions/workflow-commands.ts';

/** One line of the result: a policy × host × item, the stable shape tests and the summary read. */
export interface VerifyRow {
  policy: string;
  host: string;
  item: 'check' | 'snapshots' | 'retention' | 'restore_test';
  status: VerifyStatus;
  observed: string;
  reason: string;
}

const oneLine = (s: string) => sanitizeForLog(s.replace(/\s*\n\s*/g, ' / '));

export function verifyRows(r: VerifyResults): VerifyRow[] {
  const rows: VerifyRow[] = [];
  for (const c of r.checks) {
    rows.push({
      policy: c.policy,
      host: c.host,
      item: 'check',
      status: c.status,
      observed: `restic check${c.read_data_subset ? ` --read-data-subset=${c.read_data_subset}` : ''} of ${c.repository}: ${c.status === 'pass' ? 'no errors' : `${c.errors.length} line(s) of errors`}`,
      reason: c.status === 'pass' ? '' : c.errors.slice(0, 3).join('; '),
    });
  }
  for (const h of r.hosts) {
    const s = h.snapshots;
    rows.push({
      policy: h.policy,
      host: h.host,
      item: 'snapshots',
      status: s.status,
      observed: s.newest ? `${s.count} snapshot(s), newest ${s.newest.id} at ${s.newest.time} (${s.newest.age_hours} h old; RPO ${s.rpo_hours} h)` : `${s.count} snapshot(s)`,
      reason: s.reason,
    });
    const t = h.retention;
    rows.push({
      policy: h.policy,
      host: h.host,
      item: 'retention',
      status: t.status,
      observed: `${t.kept} kept, ${t.would_remove.length} to remove, ${t.missing.reduce((n, m) => n + m.missing.length, 0)} promised restore point(s) missing`,
      reason: t.reason,
    });
    const x = h.restore;
    if (x)
      rows.push({
        policy: h.policy,
        host: h.host,
        item: 'restore_test',
        status: x.status,
        observed: x.snapshot_id
          ? `snapshot ${x.snapshot_id}: ${x.files_restored}/${x.files_expected} files, ${x.mismatch_count} difference(s), restore ${x.duration_ms ?? '?'} ms (RTO ${x.rto_hours} h), scratch ${x.scratch_removed === false ? 'NOT removed' : 'removed'}`
          : '',
        reason: x.reason,
      });
  }
  return rows;
}

export interface VerifyReport {
  runId: string;
  at: string;
  results: VerifyResults;
  summary: VerifySummary;
}

export function renderVerifyText(rep: VerifyReport, opts: { verbose?: boolean } = {}): string {
  const rows = verifyRows(rep.results);
  const out = [
    `opsgate backup verify ${rep.runId} at ${rep.at}: ${new Set(rep.results.hosts.map((h) => `${h.policy}/${h.host}`)).size} policy × host, ${rep.results.checks.length} repositor${rep.results.checks.length === 1 ? 'y' : 'ies'} checked`,
  ];
  let policy = '';
  for (const r of rows.sort((a, b) => a.policy.localeCompare(b.policy) || a.host.localeCompare(b.host))) {
    if (r.policy !== policy) {
      policy = r.policy;
      out.push('', policy);
    }
    if (!opts.verbose && r.status === 'pass') continue;
    out.push(`  ${r.status.toUpperCase().padEnd(5)} ${r.host.padEnd(16)} ${r.item.padEnd(12)} ${oneLine(r.reason || r.observed)}`);
  }
  const s = rep.summary;
  const f = (x: Record<VerifyStatus, number>) => `${x.pass} pass, ${x.fail} fail, ${x.error} error`;
  out.push('', `summary: check ${f(s.checks)}; snapshots ${f(s.snapshots)}; retention ${f(s.retention)}; restore tests ${f(s.restore_tests)}`);
  return out.join('\n') + '\n';
}

export function renderVerifyJson(rep: VerifyReport): string {
  return JSON.stringify({ run_id: rep.runId, at: rep.at, summary: rep.summary, rows: verifyRows(rep.results), checks: rep.results.checks, hosts: rep.results.hosts }, null, 2) + '\n';
}

const esc = escapeData;
const escProp = escapeProperty;

export function renderVerifyGithub(rep: VerifyReport): { annotations: string; summary: string } {
  const bad = verifyRows(rep.results).filter((r) => r.status !== 'pass');
  const ann = bad.slice(0, 50).map((r) => `::error title=${escProp(`${r.policy} ${r.host} ${r.item}`)}::${esc(oneLine(r.reason || r.observed))}`);
  const lines = [
    `## 备份验证 Backup verification ${rep.runId}`,
    '',
    '| policy | host | item | status | observed | reason |',
    '|---|---|---|---|---|---|',
    ...verifyRows(rep.results).map(
      (r) => `| ${r.policy} | ${r.host} | ${r.item} | ${r.status} | ${oneLine(r.observed).replace(/\|/g, '\\|').slice(0, 160)} | ${oneLine(r.reason).replace(/\|/g, '\\|').slice(0, 200)} |`,
    ),
  ];
  return { annotations: ann.join('\n') + (ann.length ? '\n' : ''), summary: lines.join('\n') + '\n' };
}
