/**
 * Adapter for records/changes/CHG-…/<run>.jsonl (scripts/change/): the events
 * of one execution run. The only file that knows that layout. Pure.
 */
import type { ExecutionRun } from '../types.ts';

type Line = Record<string, unknown>;

function outcomeOf(v: unknown): ExecutionRun['outcome'] | undefined {
  const s = String(v ?? '').toLowerCase();
  if (['successful', 'success', 'succeeded', 'ok', 'completed', 'done'].includes(s)) return 'successful';
  if (['failed', 'failure', 'error', 'aborted'].includes(s)) return 'failed';
  if (['rolled_back', 'rolledback', 'rollback'].includes(s)) return 'rolled_back';
  if (s === 'partial') return 'partial';
  return undefined;
}

export function adaptExecutionRecord(path: string, lines: readonly Line[]): ExecutionRun | undefined {
  const m = /^records\/changes\/([^/]+)\/([^/]+)\.jsonl$/.exec(path);
  if (!m || lines.length === 0) return undefined;
  const change = typeof lines[0]!.change === 'string' ? (lines[0]!.change as string) : m[1]!;
  const hosts = new Set<string>();
  let outcome: ExecutionRun['outcome'] = 'running';
  let finished: string | undefined;
  let rolledBack = false;
  let dryRun = false;
  const started = lines.find((l) => /^run\.(start|started|planned|begin)/.test(String(l.type))) ?? lines[0]!;
  for (const l of lines) {
    const type = String(l.type);
    if (typeof l.host === 'string') hosts.add(l.host);
    if (Array.isArray(l.hosts)) for (const h of l.hosts) if (typeof h === 'string') hosts.add(h);
    if (l.dry_run === true) dryRun = true;
    if (/rollback/.test(type) && !/fail/.test(type) && l.status !== 'failed') rolledBack = rolledBack || /(done|finished|completed|ok|succeeded)$/.test(type) || l.status === 'ok' || l.status === 'done';
    if (/^run\.(finished|completed|done|ended|end|failed|rolled_back|aborted)$/.test(type)) {
      finished = String(l.at);
      outcome = outcomeOf(l.outcome) ?? outcomeOf(l.status) ?? outcomeOf(type.slice(4)) ?? 'unknown';
    }
  }
  if (outcome === 'rolled_back') rolledBack = true;
  return {
    path,
    change,
    run: typeof started.run === 'string' ? started.run : m[2]!,
    started_at: String(started.at),
    finished_at: finished,
    outcome,
    rolled_back: rolledBack,
    hosts: [...hosts].sort(),
    dry_run: dryRun,
  };
}
