import type { HostDocument, IncidentDocument, SlaDocument } from '../model/documents.generated.ts';

/**
 * Incident levels run either way: `most_severe: 1` (the default, the national
 * 预警 convention: 一级 is the worst) or `most_severe: 4` (四级 is the worst).
 * Everything that compares levels goes through a severity rank, where 4 is
 * always the worst and 1 the least, so no caller re-decides the direction.
 * Pure.
 */
export type MostSevere = 1 | 4;
export type SeverityRank = 1 | 2 | 3 | 4;

export const LEVEL_NAMES: Record<number, string> = { 1: '一级', 2: '二级', 3: '三级', 4: '四级' };

export function mostSevereOf(sla: Pick<SlaDocument, 'most_severe'> | undefined): MostSevere {
  return sla?.most_severe === 4 ? 4 : 1;
}

/** 4 for the worst level, 1 for the least. */
export function severityRank(level: number, mostSevere: MostSevere): SeverityRank {
  return (mostSevere === 1 ? 5 - level : level) as SeverityRank;
}

/** The level number of a severity rank under this policy's numbering. */
export function levelOfRank(rank: SeverityRank, mostSevere: MostSevere): number {
  return mostSevere === 1 ? 5 - rank : rank;
}

/** Levels ordered from the worst to the least severe. */
export function levelsBySeverity(mostSevere: MostSevere): number[] {
  return mostSevere === 1 ? [1, 2, 3, 4] : [4, 3, 2, 1];
}

export interface LevelFactor {
  rank: SeverityRank;
  reason: string;
}

export interface LevelDerivation {
  /** The least severe level the incident may honestly declare, in the policy's numbering. */
  level: number;
  rank: SeverityRank;
  factors: LevelFactor[];
}

type HostRef = { id: string; data: Pick<HostDocument, 'env' | 'criticality'> };

/**
 * Derives the least severe level an incident can declare from the affected
 * hosts' environment and criticality and the recorded impact, the way change
 * risk is derived from targets. Each factor names the severity it forces and
 * why; the result is the worst. The table follows the sample SLA's level
 * descriptions: core business down or data lost → the worst level; core
 * business impaired for many users → the second; any production fault → the
 * third; staging or questions → the least.
 */
export function deriveIncidentLevel(incident: Pick<IncidentDocument, 'impact'>, hosts: readonly HostRef[], mostSevere: MostSevere): LevelDerivation {
  const factors: LevelFactor[] = [];
  const prod = hosts.filter((h) => h.data.env === 'prod');
  const critical = prod.filter((h) => h.data.criticality === 'critical');
  const impact = incident.impact ?? {};
  const names = (list: readonly HostRef[]) => list.map((h) => h.id).join(', ');
  if (prod.length) factors.push({ rank: 2, reason: `affects prod host(s) ${names(prod)}` });
  if (prod.length && impact.availability === 'outage') {
    factors.push({ rank: 3, reason: 'prod service outage' });
    if (critical.length) factors.push({ rank: 4, reason: `outage on critical host(s) ${names(critical)}` });
    if (impact.users === 'all') factors.push({ rank: 4, reason: 'outage for all users' });
  }
  if (prod.length && impact.availability === 'degraded') {
    if (critical.length) factors.push({ rank: 3, reason: `degraded service on critical host(s) ${names(critical)}` });
    if (impact.users === 'many' || impact.users === 'all') factors.push({ rank: 3, reason: `degraded service for ${impact.users} users` });
  }
  if (impact.data === 'loss' || impact.data === 'leak') factors.push({ rank: 4, reason: `data ${impact.data}` });
  else if (impact.data === 'at_risk' && prod.length) factors.push({ rank: 3, reason: 'prod data at risk' });
  const rank = factors.reduce<SeverityRank>((acc, f) => (f.rank > acc ? f.rank : acc), 1);
  return { level: levelOfRank(rank, mostSevere), rank, factors };
}

/** deriveIncidentLevel(incident, hosts, …).rank, without the factors and their words: for lint's every incident. Pure. */
export function deriveIncidentRank(incident: Pick<IncidentDocument, 'impact'>, hosts: readonly HostRef[]): SeverityRank {
  let prod = false;
  let critical = false;
  for (const h of hosts) {
    if (h.data.env !== 'prod') continue;
    prod = true;
    if (h.data.criticality === 'critical') critical = true;
  }
  const impact = incident.impact ?? {};
  let rank = prod ? 2 : 1;
  if (prod && impact.availability === 'outage') rank = critical || impact.users === 'all' ? 4 : 3;
  if (prod && impact.availability === 'degraded' && (critical || impact.users === 'many' || impact.users === 'all')) rank = Math.max(rank, 3);
  if (impact.data === 'loss' || impact.data === 'leak') rank = 4;
  else if (impact.data === 'at_risk' && prod) rank = Math.max(rank, 3);
  return rank as SeverityRank;
}

export function renderLevelDerivation(d: LevelDerivation, mostSevere: MostSevere): string {
  const name = (rank: SeverityRank) => LEVEL_NAMES[levelOfRank(rank, mostSevere)];
  if (!d.factors.length) return `${name(d.rank)} (no factor: no prod host and no impact recorded)`;
  return `${name(d.rank)} (${d.factors.map((f) => `${f.reason} → ${name(f.rank)}`).join('; ')})`;
}
