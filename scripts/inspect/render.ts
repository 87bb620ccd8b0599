import { sanitizeForLog } from '../render/sanitize.ts';
import type { InspectionRow } from './model.ts';
import type { InspectionSummary } from './results.ts';
import type { HostRun } from './runner.ts';
import { escapeData, escapeProperty } from '../actions/workflow-commands.ts';

/** Renderers for an inspection result. Pure. */
export interface InspectionReport {
  runId: string;
  at: string;
  hosts: HostRun[];
  rows: InspectionRow[];
  summary: InspectionSummary;
  previousRun: string | null;
}

// Reasons and observed values come from the hosts: none may start a log line or move a terminal's cursor.
const oneLine = (s: string) => sanitizeForLog(s.replace(/\s*\n\s*/g, ' / '));
const pct = (c: number | null) => (c === null ? 'n/a' : `${(c * 100).toFixed(1)}%`);

export function renderText(r: InspectionReport, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [`opsgate inspect ${r.runId} at ${r.at}: ${r.hosts.length} hosts${r.previousRun ? `, compared with ${r.previousRun}` : ''}`];
  for (const h of r.hosts) {
    const rows = r.rows.filter((x) => x.host === h.host);
    const n = (s: string) => rows.filter((x) => x.status === s).length;
    out.push('');
    out.push(
      h.error
        ? `${h.host}  ERROR  ${h.error.phase}: ${oneLine(h.error.message)}`
        : `${h.host}  ${n('pass')} pass, ${n('fail')} fail, ${n('error')} error, ${n('waived')} waived  (${h.durationMs} ms${h.hostCpuMs !== undefined ? `, ${h.hostCpuMs} ms CPU on the host` : ''})`,
    );
    if (h.error) continue;
    for (const x of rows) {
      const show = opts.verbose || x.status === 'fail' || x.status === 'error' || x.status === 'waived' || x.level === 'warn' || x.change === 'resolved';
      if (!show) continue;
      const tag = x.level === 'warn' ? 'WARN' : x.status.toUpperCase();
      out.push(
        `  ${tag.padEnd(7)} ${x.check.padEnd(30)} ${x.severity.padEnd(8)} ${oneLine(x.reason || x.observed)}${x.exception ? ` [exception ${x.exception}]` : ''}${x.change ? ` [${x.change}]` : ''}`,
      );
    }
  }
  const s = r.summary.by_status;
  const c = r.summary.by_change;
  out.push('');
  out.push(
    `summary: ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.waived} waived, ${s.not_applicable} not applicable, ${s.not_checked} not checked; compliance ${pct(r.summary.compliance)}; ${r.summary.hosts_not_inspected ?? r.summary.hosts_unreachable} of ${r.summary.hosts} hosts not inspected (${r.summary.hosts_unreachable} unreachable)`,
  );
  if (r.previousRun)
    out.push(`changes against the last run that inspected each host (newest ${r.previousRun}): ${c.new} new, ${c.persisting} persisting, ${c.resolved} resolved, ${c.regressed} regressed`);
  return out.join('\n') + '\n';
}

export function renderJson(r: InspectionReport): string {
  return (
    JSON.stringify(
      {
        run_id: r.runId,
        at: r.at,
        previous_run: r.previousRun,
        summary: r.summary,
        hosts: r.hosts.map((h) => ({ host: h.host, reachable: h.reachable, error: h.error ?? null, duration_ms: h.durationMs, ...(h.hostCpuMs !== undefined ? { host_cpu_ms: h.hostCpuMs } : {}) })),
        results: r.rows,
      },
      null,
      2,
    ) + '\n'
  );
}

const esc = escapeData;
const escProp = escapeProperty;

/** GitHub workflow commands (annotations, at most 50) plus a Markdown job summary. */
export function renderGithub(r: InspectionReport): { annotations: string; summary: string } {
  const bad = r.rows.filter((x) => x.status === 'fail' || x.status === 'error');
  const annotations = bad
    .slice(0, 50)
    .map(
      (x) => `::${x.status === 'fail' && (x.severity === 'low' || x.severity === 'info') ? 'warning' : 'error'} title=${escProp(`${x.host} ${x.check}`)}::${esc(oneLine(`${x.title}: ${x.reason}`))}`,
    );
  if (bad.length > 50) annotations.push(`::notice::${bad.length - 50} more findings; see the job summary`);
  const s = r.summary.by_status;
  const lines = [
    `## 巡检 Inspection ${r.runId}`,
    '',
    `Compliance **${pct(r.summary.compliance)}** — ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.waived} waived; ${r.summary.hosts_not_inspected ?? r.summary.hosts_unreachable}/${r.summary.hosts} hosts not inspected (${r.summary.hosts_unreachable} unreachable).`,
    '',
    '| host | check | severity | status | reason | change |',
    '|---|---|---|---|---|---|',
    ...r.rows
      .filter((x) => x.status === 'fail' || x.status === 'error' || x.status === 'waived')
      .map((x) => `| ${x.host} | \`${x.check}\` | ${x.severity} | ${x.status} | ${oneLine(x.reason).replace(/\|/g, '\\|').slice(0, 200)} | ${x.change ?? ''} |`),
  ];
  return { annotations: annotations.join('\n') + (annotations.length ? '\n' : ''), summary: lines.join('\n') + '\n' };
}
