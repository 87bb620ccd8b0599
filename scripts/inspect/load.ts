import { DateTime } from 'luxon';
import { calendarZone } from '../calendar/zone.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { readRepo, readSchemas } from '../repo/read-repo.ts';
import { loadedZoneProblems } from '../rules/calendar-zone.ts';
import { createSchemaValidator, type SchemaValidator } from '../repo/validate-schema.ts';
import type { Baseline, InventoryHost, PolicyData } from './model.ts';

const RELEVANT = /^(inventory\/hosts|inventory\/groups|policies\/baselines|policies\/access|policies\/backup|policies\/exceptions|policies\/calendar)/;

/** Reads what inspection needs through the repository loader (edge). Errors in those documents make the input unusable. */
export async function loadInspection(root: string, sel: { hosts: string[]; groups: string[]; baselines: string[] }) {
  const repo = await readRepo(root, { validator: onlyInspectionKinds(createSchemaValidator(await readSchemas(root))) });
  const diagnostics: Diagnostic[] = repo.diagnostics.filter((d) => RELEVANT.test(d.file) && d.severity === 'error');
  const inventory = new Map(repo.all('host').map((d) => [d.id, d.data as unknown as InventoryHost]));
  let hosts = [...inventory.values()];
  const unknownHosts = sel.hosts.filter((h) => !inventory.has(h));
  const unknownGroups = sel.groups.filter((g) => !hosts.some((h) => h.groups.includes(g)));
  for (const h of unknownHosts)
    diagnostics.push({ code: 'inspect.unknown-host', severity: 'error', file: 'inventory/hosts', line: 1, col: 1, message: `--hosts names '${h}', which is not in inventory/hosts/` });
  for (const g of unknownGroups)
    diagnostics.push({ code: 'inspect.unknown-group', severity: 'error', file: 'inventory/groups', line: 1, col: 1, message: `--groups names '${g}', which no host belongs to` });
  if (sel.hosts.length || sel.groups.length) hosts = hosts.filter((h) => sel.hosts.includes(h.id) || h.groups.some((g) => sel.groups.includes(g)));
  let baselines = repo.all('baseline').map((d) => d.data as unknown as Baseline);
  const unknownBaselines = sel.baselines.filter((b) => !baselines.some((x) => x.id === b));
  for (const b of unknownBaselines)
    diagnostics.push({ code: 'inspect.unknown-baseline', severity: 'error', file: 'policies/baselines', line: 1, col: 1, message: `--baselines names '${b}', which is not in policies/baselines/` });
  if (sel.baselines.length) baselines = baselines.filter((b) => sel.baselines.includes(b.id));
  if (baselines.length === 0)
    diagnostics.push({ code: 'inspect.no-baselines', severity: 'error', file: 'policies/baselines', line: 1, col: 1, message: 'no baseline to inspect against; add policies/baselines/<id>.yaml' });
  // Times are written in the calendar's zone: one it does not give makes the input unusable (ARCHITECTURE.md, "The calendar's time zone").
  diagnostics.push(...loadedZoneProblems(repo));
  const zone = calendarZone(repo);
  const policy: PolicyData = {
    timezone: zone,
    people: repo.all('person').map((d) => d.data as unknown as PolicyData['people'][number]),
    roles: repo.all('role').map((d) => d.data as unknown as PolicyData['roles'][number]),
    grants: repo.all('grant').map((d) => d.data as unknown as PolicyData['grants'][number]),
    backupPolicies: repo.all('backup-policy').map((d) => d.data as unknown as PolicyData['backupPolicies'][number]),
    exceptions: repo.all('exception').map((d) => d.data as unknown as PolicyData['exceptions'][number]),
  };
  const formatTime = (d: Date) => DateTime.fromJSDate(d).setZone(zone).toISO({ suppressMilliseconds: false }) ?? d.toISOString();
  // The documents too, so a caller can point at a check's line (converge baseline's located refusals).
  const baselineDocs = repo.all('baseline');
  return { diagnostics, unusable: diagnostics.length > 0, inventory, hosts: hosts.sort((a, b) => a.id.localeCompare(b.id)), baselines, baselineDocs, policy, formatTime };
}

const NEEDED = new Set(['host', 'group', 'baseline', 'backup-policy', 'person', 'role', 'grant', 'exception', 'calendar']);

/**
 * Validates only the kinds inspection reads: compiling the change and incident schemas costs
 * about a second on a small runner and their documents are not used here (lint checks them).
 */
function onlyInspectionKinds(v: SchemaValidator): SchemaValidator {
  return { has: (name) => v.has(name), validate: (name, data, file, locate) => (NEEDED.has(name) ? v.validate(name, data, file, locate) : []) };
}
