import type { ChangeDocument, HostDocument } from '../model/documents.generated.ts';

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export const RISK_ORDER: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];

export interface RiskFactor {
  level: RiskLevel;
  reason: string;
}

export interface RiskDerivation {
  level: RiskLevel;
  factors: RiskFactor[];
}

export function riskRank(level: RiskLevel): number {
  return RISK_ORDER.indexOf(level);
}

/**
 * Derives the least risk a change can honestly declare, from its targets and
 * step kinds. Each factor names the level it forces and why; the result is the
 * highest. Pure.
 */
export function deriveRisk(change: ChangeDocument, hosts: readonly { id: string; data: HostDocument }[]): RiskDerivation {
  const factors: RiskFactor[] = [];
  const prod = hosts.filter((h) => h.data.env === 'prod');
  if (prod.length > 0) factors.push({ level: 'medium', reason: `targets ${prod.length} prod host(s)` });
  if (prod.length >= 20) factors.push({ level: 'critical', reason: `${prod.length} prod hosts at once (≥ 20)` });
  else if (prod.length >= 5) factors.push({ level: 'high', reason: `${prod.length} prod hosts at once (≥ 5)` });
  const critical = hosts.filter((h) => h.data.criticality === 'critical' && h.data.env === 'prod');
  if (critical.length) factors.push({ level: 'high', reason: `critical host(s): ${critical.map((h) => h.id).join(', ')}` });
  const high = hosts.filter((h) => h.data.criticality === 'high' && h.data.env === 'prod');
  if (high.length) factors.push({ level: 'medium', reason: `high-criticality host(s): ${high.map((h) => h.id).join(', ')}` });
  const converge = change.steps.filter((s) => s.kind === 'converge');
  if (converge.length) factors.push({ level: 'medium', reason: `converge step(s): ${converge.map((s) => s.id).join(', ')}` });
  const level = factors.reduce<RiskLevel>((acc, f) => (riskRank(f.level) > riskRank(acc) ? f.level : acc), 'low');
  return { level, factors };
}

/** deriveRisk(change, hosts).level, without building the factors and their reasons: for lint's every change. Pure. */
export function deriveRiskLevel(change: ChangeDocument, hosts: readonly { id: string; data: HostDocument }[]): RiskLevel {
  let prod = 0;
  let rank = 0;
  for (const h of hosts) {
    if (h.data.env !== 'prod') continue;
    prod++;
    if (h.data.criticality === 'critical') rank = Math.max(rank, 2);
    else if (h.data.criticality === 'high') rank = Math.max(rank, 1);
  }
  if (prod > 0) rank = Math.max(rank, 1);
  if (prod >= 20) rank = 3;
  else if (prod >= 5) rank = Math.max(rank, 2);
  if (rank < 1 && change.steps.some((s) => s.kind === 'converge')) rank = 1;
  return RISK_ORDER[rank]!;
}

export function renderRiskDerivation(d: RiskDerivation): string {
  return d.factors.length ? `${d.level} (${d.factors.map((f) => `${f.reason} → ${f.level}`).join('; ')})` : 'low (no risk factor)';
}
