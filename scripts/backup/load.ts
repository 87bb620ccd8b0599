/**
 * Reads what `backup verify` needs through the repository loader (edge):
 * backup policies, the inventory, the calendar's zone. An invalid document
 * among those, or a selection naming something unknown, makes the input
 * unusable (located diagnostics, exit 2), before anything connects.
 */
import { DateTime } from 'luxon';
import { calendarZone } from '../calendar/zone.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { InventoryHost } from '../inspect/model.ts';
import { readRepo, readSchemas } from '../repo/read-repo.ts';
import { loadedZoneProblems } from '../rules/calendar-zone.ts';
import { createSchemaValidator, type SchemaValidator } from '../repo/validate-schema.ts';
import type { BackupPolicy } from './plan.ts';

const RELEVANT = /^(inventory\/hosts|inventory\/groups|policies\/backup|policies\/calendar)/;
const NEEDED = new Set(['host', 'group', 'backup-policy', 'calendar']);

export interface LoadedBackup {
  diagnostics: Diagnostic[];
  unusable: boolean;
  inventory: Map<string, InventoryHost>;
  policies: Map<string, BackupPolicy>;
  zone: string;
  formatTime: (d: Date) => string;
}

export async function loadBackup(root: string, sel: { hosts: string[]; policies: string[] }): Promise<LoadedBackup> {
  const base = createSchemaValidator(await readSchemas(root));
  const validator: SchemaValidator = { has: (n) => base.has(n), validate: (n, d, f, l) => (NEEDED.has(n) ? base.validate(n, d, f, l) : []) };
  const repo = await readRepo(root, { validator });
  const diagnostics: Diagnostic[] = repo.diagnostics.filter((d) => RELEVANT.test(d.file) && d.severity === 'error');
  const inventory = new Map(repo.all('host').map((d) => [d.id, d.data as unknown as InventoryHost]));
  const policies = new Map(repo.all('backup-policy').map((d) => [d.id, d.data as BackupPolicy]));
  const place = (file: string, code: string, message: string, hint?: string): Diagnostic => ({ code, severity: 'error', file, line: 1, col: 1, message, ...(hint ? { hint } : {}) });
  for (const h of sel.hosts) if (!inventory.has(h)) diagnostics.push(place('inventory/hosts', 'backup.unknown-host', `--hosts names '${h}', which is not in inventory/hosts/`));
  for (const p of sel.policies)
    if (!policies.has(p))
      diagnostics.push(place('policies/backup', 'backup.unknown-policy', `--policies names '${p}', which is not in policies/backup/`, `known: ${[...policies.keys()].join(', ') || 'none'}`));
  if (policies.size === 0) diagnostics.push(place('policies/backup', 'backup.no-policies', 'no backup policy to verify', 'add policies/backup/<id>.yaml'));
  // Times are written in the calendar's zone: one it does not give makes the input unusable (ARCHITECTURE.md, "The calendar's time zone").
  diagnostics.push(...loadedZoneProblems(repo));
  const zone = calendarZone(repo);
  const formatTime = (d: Date) => DateTime.fromJSDate(d).setZone(zone).toISO({ suppressMilliseconds: false }) ?? d.toISOString();
  return { diagnostics, unusable: diagnostics.length > 0, inventory, policies, zone, formatTime };
}
