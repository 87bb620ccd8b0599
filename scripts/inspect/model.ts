/**
 * Inspection model: baselines, the policy data checks compare against, and result rows.
 * Field names follow policies/baselines/*.yaml and schemas/baseline.schema.json. Pure types.
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type CheckStatus = CheckResult;
export type Change = ResultChange;

import type { CheckResult, ResultChange } from '../model/outcome.ts';
import type { AccessDocuments, Grant, Person, Role } from '../access/entitlement.ts';
import type { BackupPolicyDocument, BaselineDocument, ExceptionDocument, HostDocument } from '../model/documents.generated.ts';

export type { Grant, Person, Role };
export type Scope = NonNullable<BaselineDocument['applies_to']>;
type BaselineCheck = BaselineDocument['checks'][number];

/**
 * One check as inspection evaluates it: the baseline schema's check, with `type` and `params`
 * widened so a check type added to the registry (scripts/inspect/evaluate.ts) needs no change here.
 */
export type CheckDef = Omit<BaselineCheck, 'type' | 'params'> & { type: string; params: Record<string, unknown> };
export type Baseline = Omit<BaselineDocument, 'checks'> & { checks: CheckDef[] };

/** An inventory host; `port` and `host_keys` as the schema has them (port defaults to 22 at the edge). */
export type InventoryHost = Pick<HostDocument, 'id' | 'address' | 'user' | 'proxy_command' | 'jump_host' | 'groups' | 'env' | 'backup_repositories'> &
  Partial<Pick<HostDocument, 'criticality' | 'owner_team' | 'os'>> & { port?: number; host_keys: string[] };

export type BackupPolicy = Pick<BackupPolicyDocument, 'id' | 'rpo_hours' | 'retention'> & Partial<Pick<BackupPolicyDocument, 'targets' | 'paths' | 'tags'>>;
export type Exception = Pick<ExceptionDocument, 'id' | 'rule' | 'expires'> & Partial<Omit<ExceptionDocument, 'id' | 'rule' | 'expires'>>;

export interface PolicyData extends AccessDocuments {
  people: Person[];
  roles: Role[];
  grants: Grant[];
  backupPolicies: BackupPolicy[];
  exceptions: Exception[];
  /** The calendar's zone: a grant's date-only `granted_on` starts at 00:00 there (default UTC). */
  timezone?: string;
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
  /** The run id in which this host × check was last resolved; carried forward so a later failure is `regressed`. */
  last_resolved?: string;
}

export function inScope(scope: Scope | undefined, host: Pick<InventoryHost, 'id' | 'groups' | 'env'>): boolean {
  if (!scope) return true;
  const any = scope.hosts || scope.groups || scope.envs;
  if (!any) return true;
  if (scope.envs && !scope.envs.includes(host.env)) return false;
  if (!scope.hosts && !scope.groups) return true;
  return (scope.hosts ?? []).includes(host.id) || (scope.groups ?? []).some((g) => host.groups.includes(g));
}
