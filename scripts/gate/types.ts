/**
 * Types of the approval gate: the policy (policies/approval.yaml, validated by
 * schemas/approval.schema.json), the facts about one pull request, and the
 * explained result tree the evaluator returns. Everything here is plain data.
 */
import type { BackupEditView } from '../converge/backup-edit.ts';

export type Risk = 'low' | 'medium' | 'high' | 'critical';
export type Env = 'prod' | 'staging' | 'test' | 'dev';
export type ChangeType = 'standard' | 'normal' | 'emergency';
export const RISKS: readonly Risk[] = ['low', 'medium', 'high', 'critical'];

/* ------------------------------------------------------------------ policy */
// Hand-written rather than the generated ApprovalDocument: json-schema-to-typescript
// turns the requirement's exclusive forms (count+from | all | any, an if/then in the
// schema) into one all-optional interface. The schema stays the source of truth and
// validates every policy before these types are trusted.

export interface Team {
  title: string;
  description?: string;
  members: string[];
}

/** Who may approve: the union of team members, named people and the owners of the target groups. */
export interface ApproverSet {
  teams?: string[];
  people?: string[];
  group_owners?: boolean;
}

export interface RequirementLeaf {
  count: number;
  from: ApproverSet;
}
export type Requirement = RequirementLeaf | { all: Requirement[] } | { any: Requirement[] };

export interface RuleCondition {
  kinds?: string[];
  change_types?: ChangeType[];
  /** Compared with max(declared, derived). */
  risk_at_least?: Risk;
  declared_risk_at_least?: Risk;
  derived_risk_at_least?: Risk;
  envs?: Env[];
  groups?: string[];
  paths?: string[];
}

export interface ApprovalRule {
  id: string;
  title: string;
  description?: string;
  if: RuleCondition;
  require: Requirement;
  /** `reduced` (default): an emergency change may pass with the policy's emergency requirement instead. */
  emergency?: 'reduced' | 'full';
}

export interface ApprovalPolicy {
  id: 'approval';
  description?: string;
  teams: Record<string, Team>;
  governance: { description?: string; paths: string[]; require: Requirement };
  rules: ApprovalRule[];
  disapproval?: { enabled: boolean; from?: ApproverSet };
  /** Lowest repository role whose review counts (default write). */
  min_reviewer_permission?: 'read' | 'triage' | 'write' | 'maintain' | 'admin';
  emergency?: { description?: string; require: Requirement; retro_review_within_hours: number };
}

/* ------------------------------------------------------------ org context */

export interface Person {
  id: string;
  name: string;
  /** GitHub login; empty when the person has none (then no review can ever be theirs). */
  github: string;
  /** The GitHub account's immutable id; when set, only reviews from that account are this person's. */
  github_id?: number;
  email?: string;
  team?: string;
  status: 'active' | 'left' | 'suspended';
  left_on?: string;
  /** The person's document as the repository spells it (`.yaml` or `.yml`); absent for people given inline (`--simulate`). */
  file?: string;
}

export interface InventoryGroup {
  id: string;
  title?: string;
  owners: string[];
}

export interface InventoryHost {
  id: string;
  env: Env;
  groups: string[];
}

export interface Freeze {
  id: string;
  title: string;
  start: string;
  end: string;
  allow_types: ChangeType[];
  reason?: string;
}

/* --------------------------------------------------------------- PR facts */

export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface ChangedFile {
  path: string;
  status: FileStatus;
  previous_path?: string;
}

export interface CommitFact {
  sha: string;
  /** GitHub login of the commit author, null when the e-mail maps to no account. */
  author_login: string | null;
  committer_login: string | null;
  author_type?: string;
  committer_type?: string;
  /** The immutable account ids GitHub names for the author and committer (`author.id`, `committer.id`), when it does. */
  author_id?: number;
  committer_id?: number;
  /** Git author name, used in messages when there is no login. */
  author_name?: string;
  /** Git author and committer e-mails, matched against people's e-mails. */
  author_email?: string;
  committer_email?: string;
  /** The commit message, for `Co-authored-by:` trailers. */
  message?: string;
  /** The parents' ids as GitHub lists them (where the pull request's history begins; see gate/consistency.ts). */
  parents?: string[];
}

/** `UNKNOWN`: a state GitHub does not document (`reported_state` keeps what was sent); it never approves and never lifts a request for changes. */
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING' | 'UNKNOWN';

export interface ReviewFact {
  id: number;
  login: string;
  /** GitHub account type: `User`, `Bot`, `Organization`, `Mannequin`. */
  user_type: string;
  /** The reviewer account's immutable id (`user.id`), when GitHub sends one. */
  user_id?: number;
  state: ReviewState;
  /** The state as GitHub sent it, when it is none opsgate knows (state is then `UNKNOWN`). */
  reported_state?: string;
  commit_id: string | null;
  submitted_at: string | null;
  /** Why the pull request this review belongs to cannot be established (GitHub named none): it never approves. */
  origin_unverified?: string;
}

/** The fields of a change request the gate and the comment need. */
export interface ChangeSummary {
  id: string;
  title: string;
  type: ChangeType;
  risk: Risk;
  derived_risk?: Risk;
  derived_reasons?: string[];
  requester?: string;
  implementer?: string;
  targets: { hosts: string[]; groups: string[] };
  window?: { start: string; end: string };
  emergency?: { justification?: string; retro_review_due?: string };
  steps: number;
  rollback: number;
  prechecks: number;
  verification: number;
  /** The rollout the executor will follow: target hosts resolved from the inventory, split into batches. */
  rollout?: { hosts: string[]; batches: string[][]; max_failures: number };
}

/** A changed file read as data from the PR head. */
export interface ChangedDocument {
  path: string;
  /** Kind decided by the folder (`change`, `host`, `grant`, ...); `file` when not a document. */
  kind: string;
  status: FileStatus;
  /** The kind the file had at base, when it was renamed or removed. */
  envs: Env[];
  groups: string[];
  change?: ChangeSummary;
  /** For change requests: the repository files its steps deploy (upload sources, scripts); they are governed with it. */
  deploys?: string[];
  /** Why this file falls under the governance tier whatever the policy says (e.g. a host's route changed). */
  governance?: string[];
  /** Why the document could not be read; any entry fails the gate closed. */
  problems: string[];
}

/**
 * A changed path judged by facts other than its own head content: the
 * version a host, group or change had at base, or a change request (at base
 * or in this pull request) that deploys the file. Rules that match `doc`
 * apply to `path` as well.
 */
export interface RelatedSubject {
  path: string;
  doc: ChangedDocument;
  why: string;
}

/** What a changed change request will run, for reviewers (display only). */
export interface ChangePlanView {
  change: string;
  hosts: number;
  prod_hosts: string[];
  secrets: { name: string; hosts: string[] }[];
  /** `phase id` of every action that runs as root. */
  sudo: string[];
  /** `opsgate plan --format markdown`. */
  markdown: string;
}

/** What an approval of a change request is bound to: the blobs (git object ids) of its file and of every file it deploys. */
export interface ChangeBinding {
  change: string;
  file: string;
  blob: string;
  deploys: { path: string; blob: string | null }[];
}

export interface PrFacts {
  repository: string;
  number: number;
  title?: string;
  /** Who opened the pull request; `id` is the account's immutable id (GitHub's `user.id`): see reviews.ts `isAuthorAccount`. */
  author: { login: string; type: string; id?: number };
  base: { ref: string; sha: string };
  head: { sha: string };
  commits: CommitFact[];
  files: ChangedFile[];
  documents: ChangedDocument[];
  reviews: ReviewFact[];
  /** For each commit an approval was given on: the paths changed between it and head; null when unknown. */
  changed_since: Record<string, string[] | null>;
  /** Extra subjects for changed paths: base versions and the change requests that deploy a file. */
  related?: RelatedSubject[];
  /** Per change request this pull request touches (directly or through a file it deploys), the blobs approved. */
  bindings?: ChangeBinding[];
  /** Repository role per reviewer login (lower-case), read from GitHub; absent when not read (simulation). */
  permissions?: Record<string, string>;
  /** What each changed change request will run (display only). */
  plans?: ChangePlanView[];
  /** What each changed backup policy will change on the hosts after merge, retention that shrinks called out (display only). */
  backup_plans?: BackupEditView[];
}

export interface GateInput {
  policy: ApprovalPolicy;
  /** Commit the policy was read from (the base). */
  policy_commit: string;
  /** The policy's file as the repository spells it (policies/approval.yaml or .yml): what messages name. */
  policy_file: string;
  /** The calendar's file as the repository spells it (policies/calendar.yaml or .yml). */
  calendar_file: string;
  people: Person[];
  groups: InventoryGroup[];
  freezes: Freeze[];
  pr: PrFacts;
  now: Date;
  /** Anything that could not be read; each one fails the gate. */
  problems: GateProblem[];
}

export interface GateProblem {
  code: string;
  message: string;
  file?: string;
}

/* ----------------------------------------------------------------- result */

export type NodeStatus = 'satisfied' | 'pending' | 'failed';

export type IgnoredReason =
  | 'author'
  | 'contributor'
  | 'implementer'
  | 'bot'
  | 'not_eligible'
  | 'unknown_user'
  | 'deleted_user'
  | 'no_permission'
  | 'inactive'
  | 'superseded'
  | 'dismissed'
  | 'comment'
  | 'stale'
  | 'unknown_state'
  | 'undated'
  | 'identity_mismatch'
  | 'unverified_origin';

export interface Approver {
  login: string;
  person: string;
  review_id: number;
  commit_id: string | null;
  submitted_at: string | null;
}

export interface IgnoredReview {
  login: string;
  person?: string;
  review_id: number;
  state: ReviewState;
  reason: IgnoredReason;
  detail: string;
}

export interface RequirementResult {
  type: 'leaf' | 'all' | 'any';
  status: NodeStatus;
  description: string;
  count?: number;
  approvers: Approver[];
  /** Eligible people who have not approved yet (person ids), for leaves. */
  still_needed_from: string[];
  missing: number;
  why: string;
  children?: RequirementResult[];
}

export interface RuleResult {
  id: string;
  title: string;
  tier: 'governance' | 'rule';
  status: NodeStatus;
  why: string;
  matched_files: string[];
  match_reasons: string[];
  emergency_reduced: boolean;
  requirement: RequirementResult;
  ignored: IgnoredReview[];
}

export interface VetoResult {
  status: NodeStatus;
  why: string;
  blockers: { login: string; person: string; review_id: number; submitted_at: string | null }[];
}

export interface FreezeViolation {
  change: string;
  file: string;
  freeze: string;
  title: string;
  type: ChangeType;
  why: string;
}

export interface GateResult {
  status: NodeStatus;
  summary: string;
  repository: string;
  pr: number;
  head_sha: string;
  /** The branch the pull request merges into; the commit status context names it. */
  base_ref: string;
  base_sha: string;
  policy_commit: string;
  evaluated_at: string;
  rules: RuleResult[];
  veto: VetoResult;
  freezes: FreezeViolation[];
  uncovered_files: string[];
  emergency: { change: string; retro_review_due: string }[];
  problems: GateProblem[];
  /** Reviews that count for no rule, whatever the rule (author, bot, superseded, ...). */
  ignored: IgnoredReview[];
  changes: ChangeSummary[];
  /** What the approval binds: per change request, the blobs of its file and of every file it deploys. */
  bindings: ChangeBinding[];
  /** What each changed change request will run (display only). */
  plans: ChangePlanView[];
  /** What each changed backup policy will change on the hosts after merge (display only). */
  backup_plans?: BackupEditView[];
  /** Display names and logins of the people the result names, by person id. */
  names: Record<string, { name: string; login: string }>;
}
