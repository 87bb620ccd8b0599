/**
 * The one shape every converge capability (access, baseline, backup) reports per
 * host, in their output and their records, in the shared outcome vocabulary
 * (scripts/model/outcome.ts). Pure.
 */
import type { HostOutcome } from '../model/outcome.ts';
import { sanitizeForLog } from '../render/sanitize.ts';

export type ConvergeTarget = 'access' | 'baseline' | 'backup';
export type ConvergeMode = 'apply' | 'check';

export interface ConvergeHostResult {
  host: string;
  target: ConvergeTarget;
  /** succeeded (in line, or converged), drift (--check found differences), failed, reverted, unreachable. */
  outcome: HostOutcome;
  /** What differs (--check) or what was changed, one sentence each. */
  changes: string[];
  /** What a person must do (manual remediations, checks still failing, declared keys left out). */
  attention: string[];
  error?: string;
  /** Milliseconds of the fresh connection that confirmed (or failed to confirm) a lockout-sensitive change. */
  confirmMs?: number;
  /** Machine-readable detail for the record (the script's report lines, the remediation plan). */
  detail: Record<string, unknown>;
}

/** Hosts that count against a clean exit: anything but succeeded (and, in --check, anything but succeeded). */
export function convergeFailed(r: Pick<ConvergeHostResult, 'outcome' | 'attention'>): boolean {
  return r.outcome !== 'succeeded' || r.attention.length > 0;
}

export function renderConvergeResult(r: ConvergeHostResult): string[] {
  const host = sanitizeForLog(r.host);
  const out = r.changes.map((c) => `${host}: ${sanitizeForLog(c)}`);
  for (const a of r.attention) out.push(`${host}: needs a person: ${sanitizeForLog(a)}`);
  if (r.error) out.push(`${host}: error: ${sanitizeForLog(r.error)}`);
  if (r.outcome === 'reverted') out.push(`${host}: reverted: the change could not be confirmed over a fresh connection; the host restored the previous files`);
  if (out.length === 0) out.push(`${host}: in line with the policy`);
  return out;
}

export function renderConvergeSummary(results: readonly ConvergeHostResult[], mode: ConvergeMode): string {
  const count = (o: string) => results.filter((r) => r.outcome === o).length;
  const parts = [`${results.length} host(s)`, `${count('succeeded')} ${mode === 'check' ? 'in line' : 'converged'}`];
  for (const o of ['drift', 'failed', 'reverted', 'unreachable', 'needs_attention'] as const) if (count(o)) parts.push(`${count(o)} ${o.replace('_', ' ')}`);
  const attention = results.filter((r) => r.outcome === 'succeeded' && r.attention.length > 0).length;
  if (attention) parts.push(`${attention} with something for a person`);
  return parts.join(', ');
}
