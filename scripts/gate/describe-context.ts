import type { ChangeDocument, HostDocument } from '../model/documents.generated.ts';
import { deriveRisk } from '../rules/risk.ts';
import { kindOfPath, type DescribeContext } from './describe.ts';
import type { ChangedFile, Env, InventoryGroup, InventoryHost } from './types.ts';
import { toHost } from './policy.ts';

/**
 * What the describer needs to know about the inventory: base hosts, plus
 * hosts this pull request adds (a base version always wins: a pull request
 * cannot lower its own bar by editing a host), group environments, and risk
 * derivation over those hosts. Pure.
 */
export function gateDescribeContext(
  baseHosts: ReadonlyMap<string, { file: string; data: Record<string, unknown> }>,
  headData: ReadonlyMap<string, Record<string, unknown> | undefined>,
  files: readonly ChangedFile[],
  groups: readonly (InventoryGroup & { env?: Env })[],
): DescribeContext {
  const hostDocs = new Map<string, HostDocument>([...baseHosts].map(([id, h]) => [id, h.data as unknown as HostDocument]));
  const removed = new Set(files.filter((f) => f.status === 'removed').map((f) => f.path));
  for (const [file, d] of headData) if (d && kindOfPath(file) === 'host' && !removed.has(file) && !hostDocs.has(String(d.id))) hostDocs.set(String(d.id), d as unknown as HostDocument);
  const hosts = new Map<string, InventoryHost>([...hostDocs].map(([id, d]) => [id, toHost(d as unknown as Record<string, unknown>)]));
  return {
    hosts,
    groupEnvs: new Map(groups.map((g) => [g.id, g.env])),
    deriveRisk: (change) => {
      const c = change as unknown as ChangeDocument;
      const ids = new Set(c.targets?.hosts ?? []);
      const targetGroups = new Set(c.targets?.groups ?? []);
      const targets = [...hostDocs].filter(([id, h]) => ids.has(id) || (h.groups ?? []).some((g) => targetGroups.has(g))).map(([id, data]) => ({ id, data }));
      try {
        const r = deriveRisk(c, targets);
        return { risk: r.level, reasons: r.factors.map((f) => `${f.level}: ${f.reason}`) };
      } catch {
        return undefined;
      }
    },
  };
}
