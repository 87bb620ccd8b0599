/** What one `backup verify` run found: the shapes its records carry (scripts/backup/record.ts). Pure types. */
import type { Freshness, RestoreComparison, RetentionResult, VerifyStatus } from './evaluate.ts';

export type { VerifyStatus };

export interface CheckResult {
  policy: string;
  /** Host restic ran on. */
  host: string;
  repository: string;
  status: VerifyStatus;
  read_data_subset: string | null;
  /** restic's own lines about what is wrong (damage, or why it could not check). */
  errors: string[];
  duration_ms: number;
  evidence: string;
}

export interface SnapshotsResult extends Freshness {
  snapshots: Array<{ id: string; time: string }>;
  evidence: string;
}

export interface RetentionOutcome extends RetentionResult {
  retention: Record<string, number>;
  evidence: string;
}

export interface RestoreResult extends Omit<RestoreComparison, 'status'> {
  status: VerifyStatus;
  snapshot_id: string | null;
  snapshot_time: string | null;
  sample_paths: string[];
  /** The restore itself (`restic restore --verify`), timed on the restic host. */
  duration_ms: number | null;
  rto_hours: number;
  rto_met: boolean | null;
  /** The content compared equal (listing, sizes, sha256 against restic dump). */
  content: VerifyStatus;
  scratch_removed: boolean | null;
  evidence: string;
}

export interface HostResult {
  policy: string;
  host: string;
  /** Host restic ran on (the host itself, or the policy's restore host). */
  executor: string;
  repository: string;
  snapshots: SnapshotsResult;
  retention: RetentionOutcome;
  restore?: RestoreResult;
}

export interface VerifyResults {
  checks: CheckResult[];
  hosts: HostResult[];
}

export function errorSnapshots(reason: string, rpoHours: number, evidence = ''): SnapshotsResult {
  return { status: 'error', count: 0, newest: null, rpo_hours: rpoHours, reason, snapshots: [], evidence };
}

export function errorRetention(reason: string, retention: Record<string, number>, evidence = ''): RetentionOutcome {
  return { status: 'error', kept: 0, would_remove: [], missing: [], reason, retention, evidence };
}

export function errorRestore(reason: string, samplePaths: string[], rtoHours: number, evidence = ''): RestoreResult {
  return {
    status: 'error',
    content: 'error',
    snapshot_id: null,
    snapshot_time: null,
    sample_paths: samplePaths,
    duration_ms: null,
    rto_hours: rtoHours,
    rto_met: null,
    files_expected: 0,
    files_restored: 0,
    bytes_expected: 0,
    mismatches: [],
    mismatch_count: 0,
    scratch_removed: null,
    reason,
    evidence,
  };
}
