/**
 * The report's input, normalised. Adapters (scripts/report/adapters/) turn
 * documents and record files into these shapes, so a change in a record
 * family's layout touches one adapter and nothing else. Metrics are pure
 * functions of ReportInput.
 */
import type { CheckResult, RecordedOutcome, ResultChange } from '../model/outcome.ts';
import type { HistoryProblem } from '../records/history.ts';
import type {
  AccessReviewDocument,
  AdvisoryDocument,
  ApprovalDocument,
  BackupPolicyDocument,
  CalendarDocument,
  ChangeDocument,
  ExceptionDocument,
  GrantDocument,
  GroupDocument,
  HandoverDocument,
  HostDocument,
  IncidentDocument,
  MonthlyNotesDocument,
  OncallDocument,
  OrganisationDocument,
  PersonDocument,
  RunbookDocument,
  SlaDocument,
} from '../model/documents.generated.ts';

/** One piece of evidence: a document or a record file, at a sha256, with where it came from in git. */
export interface EvidenceSource {
  path: string;
  sha256: string;
  kind: 'document' | 'record';
}

/**
 * One line of a record file, as the report cites it: its `seq` (= line number)
 * and its `hash` (sha256 of the line without its hash field; records/chain.ts).
 */
export interface LineRef {
  seq: number;
  hash: string;
}

/** The citation of a record line inside a figure's evidence before the manifest numbers it: `path#seq:hash`. */
export function citeLine(path: string, line: LineRef | undefined): string {
  return line ? `${path}#${line.seq}:${line.hash}` : path;
}

/** The citation of a host's inspection.host line of a run. */
export function citeHostLine(run: { path: string; host_lines: Record<string, LineRef & { path?: string }> }, host: string): string {
  const l = run.host_lines[host];
  return citeLine(l?.path ?? run.path, l);
}

/** Splits a citation into its file and, for a record line, seq and hash. */
export function parseCitation(citation: string): { path: string; seq?: number; hash?: string } {
  const m = /^(.*)#(\d+):([0-9a-f]{64})$/.exec(citation);
  return m ? { path: m[1]!, seq: Number(m[2]), hash: m[3]! } : { path: citation };
}

export interface DocRef<T> {
  id: string;
  file: string;
  sha256: string;
  data: T;
}

export type ResultStatus = CheckResult;
export type { ResultChange };
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
  /** The baseline's and the check's applies_to (both must match a host); empty: every host. */
  scopes?: import('../inspect/model.ts').Scope[];
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
  family: 'gate' | 'changes' | 'inspections' | 'backups' | 'converge' | 'other';
  lines: number;
  ok: boolean;
}

export interface GateRuleResult {
  id: string;
  status: string;
  /** What the rule requires, as the gate wrote it ("2 of team cab"). */
  requires: string;
  approvers: { person: string; at: string | undefined }[];
  still_needed_from: string[];
}

export interface GateDecision {
  path: string;
  line: number;
  /** The decision line's hash, for the per-line citation. */
  hash: string;
  at: string;
  pr: number | undefined;
  head_sha: string | undefined;
  status: 'satisfied' | 'pending' | 'failed';
  summary: string;
  changes: string[];
  rules: GateRuleResult[];
}

export interface ExecutionRun {
  path: string;
  change: string;
  run: string;
  started_at: string | undefined;
  finished_at: string | undefined;
  /** What the records say (scripts/change/run-outcome.ts); `unknown` without run.done or when a person must decide. */
  outcome: RecordedOutcome;
  rolled_back: boolean;
  hosts: string[];
  /** run.done's per-host outcomes. */
  host_outcomes: Record<string, string>;
  dry_run: boolean;
  /** The pull request that merged the change, as the executor recorded it. */
  pr: number | undefined;
  /** The gate decision the executor relied on, as it recorded it (`records/gate/…/pr-N.jsonl:LINE`). */
  gate_decision: string | undefined;
  /** run.planned (or the first line) and the last run.done, for citations. */
  planned: LineRef | undefined;
  done: LineRef | undefined;
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
  /** As the record states them (quoted verbatim in the finding list). */
  expected?: string;
  observed?: string;
}

export interface InspectionRun {
  path: string;
  run: string;
  at: string;
  /** The run this one compared itself with (inspection.completed previous_run). */
  previous_run: string | undefined;
  /** Lines to cite: the completion line, and each host's inspection.host line (with its file when a shard of the run sits in another file). */
  completed: LineRef | undefined;
  host_lines: Record<string, LineRef & { path?: string }>;
  /** Authorized keys each host held at this run, as `account:person` (from the access.authorized-keys row). */
  keys: Record<string, string[]>;
  results: InspectionResult[];
  /** Hosts the run could not reach (their checks count as error). */
  unreachable: { host: string; reason: string }[];
  hosts: string[];
  /** Results marked new / resolved / regressed against the previous run. */
  counts: { new: number; resolved: number; regressed: number };
  /**
   * True when `results` were dropped to bound memory: only the first and the
   * last run of each month (in the organisation's zone) keep their rows, which
   * is all any monthly report reads (the state at the end, and the baseline
   * for what is new or resolved).
   */
  pruned: boolean;
}

export interface BackupEvent {
  path: string;
  line: LineRef;
  at: string;
  policy: string;
  host: string | undefined;
  kind: 'snapshot' | 'restore_test' | 'check' | 'retention';
  ok: boolean;
  /** Restore tests: how long the restore took, when recorded. */
  duration_seconds: number | undefined;
  /** What `backup verify` recorded beyond pass/fail (scripts/report/metrics/backup-verification.ts reads it). */
  detail?: BackupEventDetail;
}

export interface BackupEventDetail {
  status?: string;
  reason?: string;
  /** restic check: the lines restic printed about damage, and what part of the data it read. */
  errors?: string[];
  read_data_subset?: string | null;
  /** retention: snapshots kept, those the policy's retention would already have removed, promised restore points missing. */
  kept?: number;
  would_remove?: number;
  missing?: number;
  /** restore test: the policy's RTO and whether it was met. */
  rto_hours?: number;
  rto_met?: boolean | null;
}

/** An authorized key that `converge access` removed from a host. */
export interface ConvergeRemoval {
  path: string;
  line: LineRef;
  run: string;
  at: string;
  host: string;
  account: string;
  fingerprint: string | undefined;
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

/** The working tree against the commit the report cites. */
export interface Provenance {
  /** False outside a git repository: nothing can be checked against history. */
  git: boolean;
  head: string | null;
  /** Evidence paths (documents and records) modified, deleted or untracked relative to HEAD. */
  modified: string[];
  deleted: string[];
  untracked: string[];
  /** Record files deleted in a commit and written again (each is also a record.history.deleted problem). */
  restarts: { path: string; commit: string }[];
  /** The commit that last emptied records/: history before it is not checked (named on the report). */
  /** Where record history is checked from; `reason` when a `Records-Reset:` commit set it. */
  epoch: { commit: string; at: string; reason?: string } | null;
}

export interface ReportInput {
  organisation: DocRef<OrganisationDocument> | undefined;
  approval: DocRef<ApprovalDocument> | undefined;
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
  /** Monthly report notes (reports/notes/YYYY-MM.yaml). */
  notes: DocRef<MonthlyNotesDocument>[];
  checks: BaselineCheck[];
  gateDecisions: GateDecision[];
  executions: ExecutionRun[];
  inspections: InspectionRun[];
  backups: BackupEvent[];
  converge: ConvergeRemoval[];
  recordFiles: RecordFileInfo[];
  integrity: IntegrityProblem[];
  /** Record files against their committed versions (scripts/records/history.ts). */
  history: HistoryProblem[];
  provenance: Provenance;
  /** sha256 of document files that could not be loaded, so the evidence manifest can pin them too. */
  unloadedFiles: { path: string; sha256: string }[];
  /** Document load problems (invalid documents are not counted; they are listed). */
  documentProblems: { file: string; line: number; code: string; message: string }[];
  git: {
    commit: string | undefined;
    repositoryUrl: string | undefined;
    files: Record<string, GitFileHistory>;
  };
  /** Shift handovers and notification record events, for the duties section (issue 15). */
  handovers?: DocRef<HandoverDocument>[];
  /** The advisory register (policies/advisories/), for the patch compliance section (issue 16 item 4). */
  advisories?: DocRef<AdvisoryDocument>[];
  notifications?: import('./metrics/duties.ts').NotificationEventRow[];
}
