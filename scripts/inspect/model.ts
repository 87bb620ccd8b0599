/**
 * Inspection model: baselines, the policy data checks compare against, and result rows.
 * Field names follow policies/baselines/*.yaml and schemas/baseline.schema.json. Pure types.
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type CheckStatus = 'pass' | 'fail' | 'error' | 'not_applicable' | 'not_checked' | 'info' | 'waived';
export type Change = 'new' | 'persisting' | 'resolved' | 'regressed';

export interface Scope { hosts?: string[]; groups?: string[]; envs?: string[] }

export interface CheckDef {
  id: string;
  title: string;
  severity: Severity;
  type: string;
  params: Record<string, unknown>;
  rationale: string;
  remediation: string;
  mappings?: { djbh?: string[]; iso27001?: string[]; cis?: string[] };
  applies_to?: Scope;
}

export interface Baseline { id: string; title: string; description?: string; applies_to?: Scope; checks: CheckDef[] }

export interface InventoryHost {
  id: string;
  address: string;
  port: number;
  user: string;
  host_keys: string[];
  proxy_command?: string[];
  jump_host?: string;
  groups: string[];
  env: string;
  criticality?: string;
  owner_team?: string;
  os?: string;
  backup_repositories?: Array<{ policy: string; repository: string; password_env: string }>;
}

export interface Person { id: string; name?: string; status: 'active' | 'left' | 'suspended'; left_on?: string; ssh_keys?: Array<{ fingerprint: string; public_key?: string; expires?: string }> }
export interface Role { id: string; unix_account: string; sudo?: Array<{ runas: string; commands: string[]; nopasswd?: boolean }> }
export interface Grant { id: string; person: string; role: string; groups?: string[]; hosts?: string[]; expires: string }
export interface BackupPolicy { id: string; targets?: { hosts?: string[]; groups?: string[] }; rpo_hours: number; retention?: { keep_daily?: number; keep_weekly?: number; keep_monthly?: number; keep_yearly?: number } }
export interface Exception { id: string; rule: string; scope?: { hosts?: string[]; groups?: string[] }; owner?: string; approver?: string; ticket?: string; reason?: string; expires: string }

export interface PolicyData {
  people: Person[];
  roles: Role[];
  grants: Grant[];
  backupPolicies: BackupPolicy[];
  exceptions: Exception[];
}

/** What a check evaluation returns before it becomes a row. */
export interface Outcome {
  status: CheckStatus;
  expected: string;
  observed: string;
  reason: string;
  evidence: string;
  /** Threshold checks above warn_at but below fail_at. */
  level?: 'warn';
}

/**
 * One row of an inspection: host × check. This is the stable shape that records and
 * reports use (see scripts/inspect/record.ts for the record file layout).
 */
export interface InspectionRow {
  host: string;
  check: string;
  baseline: string;
  title: string;
  severity: Severity;
  status: CheckStatus;
  expected: string;
  observed: string;
  reason: string;
  evidence: string;
  level?: 'warn';
  /** Set when an exception matched: the raw status it waived, or `exception_expired`. */
  exception?: string;
  raw_status?: CheckStatus;
  change?: Change;
}

export function inScope(scope: Scope | undefined, host: Pick<InventoryHost, 'id' | 'groups' | 'env'>): boolean {
  if (!scope) return true;
  const any = scope.hosts || scope.groups || scope.envs;
  if (!any) return true;
  if (scope.envs && !scope.envs.includes(host.env)) return false;
  if (!scope.hosts && !scope.groups) return true;
  return (scope.hosts ?? []).includes(host.id) || (scope.groups ?? []).some((g) => host.groups.includes(g));
}
