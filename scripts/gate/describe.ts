import { DEFAULT_ROLLOUT, planBatches } from '../change/batches.ts';
import { matchKind } from '../repo/kinds.ts';
import type { ChangeSummary, ChangeType, ChangedDocument, Env, FileStatus, InventoryHost, Risk } from './types.ts';
import { RISKS } from './types.ts';

/** The folder decides the kind (DESIGN.md), as the repository loader decides it. `file` for anything that is not a document. */
export function kindOfPath(path: string): string {
  return matchKind(path)?.kind ?? 'file';
}

/** Kinds whose content decides which rules apply; others are matched on kind and path alone. */
export const CONTENT_KINDS: ReadonlySet<string> = new Set(['change', 'host', 'group', 'grant']);

export interface DescribeContext {
  hosts: Map<string, InventoryHost>;
  groupEnvs: Map<string, Env | undefined>;
  deriveRisk?: (change: Record<string, unknown>) => { risk: Risk; reasons: string[] } | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const len = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/**
 * Turns one parsed document into what the rules look at: kind, target
 * environments and groups, and for change requests a summary. An env that
 * cannot be known is assumed `prod`, so a missing fact never lowers the bar.
 */
export function describeDocument(path: string, status: FileStatus, data: unknown, ctx: DescribeContext): ChangedDocument {
  const kind = kindOfPath(path);
  const doc: ChangedDocument = { path, kind, status, envs: [], groups: [], problems: [] };
  if (data === undefined) return doc;
  const d = obj(data);
  const envs = new Set<Env>();
  const groups = new Set<string>();
  const hostFacts = (hostIds: string[]) => {
    for (const h of hostIds) {
      const host = ctx.hosts.get(h);
      if (!host) {
        envs.add('prod');
        doc.problems.push(`target host ${h} is not in inventory/hosts/ (neither at base nor in this pull request)`);
        continue;
      }
      envs.add(host.env);
      host.groups.forEach((g) => groups.add(g));
    }
  };
  const groupFacts = (groupIds: string[]) => {
    for (const g of groupIds) {
      groups.add(g);
      envs.add(ctx.groupEnvs.get(g) ?? 'prod');
    }
  };
  if (kind === 'change') {
    const targets = obj(d.targets);
    hostFacts(strs(targets.hosts));
    groupFacts(strs(targets.groups));
    doc.change = summariseChange(d, ctx, doc.problems);
  } else if (kind === 'host') {
    const env = str(d.env);
    envs.add(isEnv(env) ? env : 'prod');
    strs(d.groups).forEach((g) => groups.add(g));
  } else if (kind === 'group') {
    const id = str(d.id);
    if (id) groups.add(id);
    const env = str(d.env);
    envs.add(isEnv(env) ? env : 'prod');
  } else if (kind === 'grant') {
    hostFacts(strs(d.hosts));
    groupFacts(strs(d.groups));
  }
  doc.envs = [...envs].sort();
  doc.groups = [...groups].sort();
  return doc;
}

function isEnv(v: string | undefined): v is Env {
  return v === 'prod' || v === 'staging' || v === 'test' || v === 'dev';
}

function summariseChange(d: Record<string, unknown>, ctx: DescribeContext, problems: string[]): ChangeSummary {
  const type = str(d.type);
  const risk = str(d.risk);
  if (!['standard', 'normal', 'emergency'].includes(type ?? '')) problems.push(`type is ${JSON.stringify(d.type)}; expected standard, normal or emergency`);
  if (!RISKS.includes(risk as Risk)) problems.push(`risk is ${JSON.stringify(d.risk)}; expected ${RISKS.join(', ')}`);
  const targets = obj(d.targets);
  const window = obj(d.window);
  const emergency = obj(d.emergency);
  const summary: ChangeSummary = {
    id: str(d.id) ?? '(no id)',
    title: str(d.title) ?? '(no title)',
    // An unreadable type is treated as normal and an unreadable risk as critical: never a lower bar.
    type: (['standard', 'normal', 'emergency'].includes(type ?? '') ? type : 'normal') as ChangeType,
    risk: (RISKS.includes(risk as Risk) ? risk : 'critical') as Risk,
    targets: { hosts: strs(targets.hosts), groups: strs(targets.groups) },
    steps: len(d.steps),
    rollback: len(d.rollback),
    prechecks: len(d.prechecks),
    verification: len(d.verification),
  };
  if (str(d.requester)) summary.requester = str(d.requester)!;
  if (str(d.implementer)) summary.implementer = str(d.implementer)!;
  if (str(window.start) && str(window.end)) summary.window = { start: str(window.start)!, end: str(window.end)! };
  if (d.emergency !== undefined) {
    summary.emergency = {};
    if (str(emergency.justification)) summary.emergency.justification = str(emergency.justification)!;
    if (str(emergency.retro_review_due)) summary.emergency.retro_review_due = str(emergency.retro_review_due)!;
  }
  const ids = new Set(summary.targets.hosts);
  const groups = new Set(summary.targets.groups);
  const hosts = [...ctx.hosts.values()].filter((h) => ids.has(h.id) || h.groups.some((g) => groups.has(g))).map((h) => h.id);
  const rollout = obj(d.rollout);
  const num = (v: unknown, dflt: number) => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);
  summary.rollout = {
    hosts,
    batches: planBatches(hosts, num(rollout.canary, DEFAULT_ROLLOUT.canary), num(rollout.batch_size, DEFAULT_ROLLOUT.batchSize)).map((b) => b.hosts),
    max_failures: num(rollout.max_failures, DEFAULT_ROLLOUT.maxFailures),
  };
  const derived = ctx.deriveRisk?.(d);
  if (derived) {
    summary.derived_risk = derived.risk;
    summary.derived_reasons = derived.reasons;
  }
  return summary;
}
