/**
 * The report's input, normalised. Adapters (scripts/report/adapters/) turn
 * documents and record files into these shapes, so a change in a record
 * family's layout touches one adapter and nothing else. Metrics are pure
 * functions of ReportInput.
 */
import type {
  AccessReviewDocument, BackupPolicyDocument, CalendarDocument, ChangeDocument, ExceptionDocument, GrantDocument,
  GroupDocument, HostDocument, IncidentDocument, OncallDocument, OrganisationDocument, PersonDocument, RunbookDocument, SlaDocument,
} from '../model/documents.generated.ts';

/** One piece of evidence: a document or a record file, at a sha256, with where it came from in git. */
export interface EvidenceSource {
  path: string;
  sha256: string;
  kind: 'document' | 'record';
}

export interface DocRef<T> {
  id: string;
  file: string;
  sha256: string;
  data: T;
}

export type ResultStatus = 'pass' | 'fail' | 'error' | 'not_applicable' | 'not_checked' | 'info' | 'waived';
export type ResultChange = 'new' | 'persisting' | 'resolved' | 'regressed';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface CheckMapping {
  djbh: string[];
  iso27001: string[];
  cis: string[];
}

export interface BaselineCheck {
  id: string;
  title: string;
  /** Check type (sshd_option, backup_freshness, …). */
  type: string;
  severity: Severity;
  baseline: string;
  file: string;
  sha256: string;
  mappings: CheckMapping;
}

/** A hash-chain problem found in a record file; reported, never skipped. */
export interface IntegrityProblem {
  path: string;
  line: number;
  code: string;
  message: string;
}

/** Every record file read, good or bad, for the evidence manifest and the integrity section. */
export interface RecordFileInfo {
  path: string;
  sha256: string;
  family: 'gate' | 'changes' | 'inspections' | 'backups' | 'other';
  lines: number;
  ok: boolean;
}

export interface GateDecision {
  path: string;
  line: number;
  at: string;
  pr: number | undefined;
  head_sha: string | undefined;
  status: 'satisfied' | 'pending' | 'failed';
  changes: string[];
}

export interface ExecutionRun {
  path: string;
  change: string;
  run: string;
  started_at: string | undefined;
  finished_at: string | undefined;
  outcome: 'successful' | 'failed' | 'rolled_back' | 'partial' | 'running' | 'unknown';
  rolled_back: boolean;
  hosts: string[];
  dry_run: boolean;
  /** The pull request that merged the change, as the executor recorded it. */
  pr: number | undefined;
}

export interface InspectionResult {
  host: string;
  check: string;
  status: ResultStatus;
  severity: Severity;
  change: ResultChange | undefined;
  exception: string | undefined;
  exception_expired: boolean;
  reason: string | undefined;
}

export interface InspectionRun {
  path: string;
  run: string;
  at: string;
  results: InspectionResult[];
  /** Hosts the run could not reach (their checks count as error). */
  unreachable: { host: string; reason: string }[];
  hosts: string[];
  /** Results marked new / resolved / regressed against the previous run. */
  counts: { new: number; resolved: number; regressed: number };
  /**
   * True when `results` were dropped to bound memory: only the last run of
   * each month (in the organisation's zone) keeps its rows, which is all any
   * monthly report reads.
   */
  pruned: boolean;
}

export interface BackupEvent {
  path: string;
  at: string;
  policy: string;
  host: string | undefined;
  kind: 'snapshot' | 'restore_test' | 'check';
  ok: boolean;
}

export interface GitFileHistory {
  /** Oldest commit touching the path. */
  first: GitCommitRef | undefined;
  /** Newest commit touching the path. */
  last: GitCommitRef | undefined;
  /** Pull requests whose merge touched the path, ascending. */
  prs: number[];
}

export interface GitCommitRef {
  sha: string;
  at: string;
  pr: number | undefined;
}

export interface ReportInput {
  organisation: DocRef<OrganisationDocument> | undefined;
  calendar: DocRef<CalendarDocument> | undefined;
  sla: DocRef<SlaDocument> | undefined;
  oncall: DocRef<OncallDocument> | undefined;
  hosts: DocRef<HostDocument>[];
  groups: DocRef<GroupDocument>[];
  changes: DocRef<ChangeDocument>[];
  incidents: DocRef<IncidentDocument>[];
  exceptions: DocRef<ExceptionDocument>[];
  backupPolicies: DocRef<BackupPolicyDocument>[];
  people: DocRef<PersonDocument>[];
  grants: DocRef<GrantDocument>[];
  reviews: DocRef<AccessReviewDocument>[];
  runbooks: DocRef<RunbookDocument>[];
  checks: BaselineCheck[];
  gateDecisions: GateDecision[];
  executions: ExecutionRun[];
  inspections: InspectionRun[];
  backups: BackupEvent[];
  recordFiles: RecordFileInfo[];
  integrity: IntegrityProblem[];
  /** sha256 of document files that could not be loaded, so the evidence manifest can pin them too. */
  unloadedFiles: { path: string; sha256: string }[];
  /** Document load problems (invalid documents are not counted; they are listed). */
  documentProblems: { file: string; line: number; code: string; message: string }[];
  git: {
    commit: string | undefined;
    repositoryUrl: string | undefined;
    files: Record<string, GitFileHistory>;
  };
}
