/* eslint-disable */
// Generated from schemas/*.schema.json by `npm run gen:types`. Do not edit by hand.

// access-review.schema.json
/**
 * A periodic review of grants. File: policies/access/reviews/<id>.yaml.
 */
export interface AccessReviewDocument {
/**
 * Review id; equals the file name.
 */
id: string
/**
 * Period reviewed, e.g. 2026-Q4.
 */
period: string
/**
 * Reviewer.
 */
reviewer: string
/**
 * When done; absent while pending.
 */
performed_on?: string
/**
 * When it must be done.
 */
due: string
/**
 * What was reviewed.
 */
scope?: {
/**
 * Groups.
 * 
 * Items: An id.
 */
groups?: string[]
}
/**
 * Grants reviewed.
 * 
 * Items: An id.
 */
grants_reviewed?: string[]
/**
 * Findings.
 * 
 * Items: One finding.
 */
findings?: {
/**
 * Grant concerned.
 */
grant?: string
/**
 * What was found.
 */
note: string
/**
 * What was decided.
 */
action?: string
}[]
}

// advisory.schema.json
/**
 * One entry of the advisory register (及时更新补丁): a vulnerability, the packages it affects and the versions that fix it, and how it is remediated. Its due date derives from severity (critical 7, high 30, medium 90, low 180 days after published). File: policies/advisories/<id>.yaml.
 */
export interface AdvisoryDocument {
/**
 * Advisory id; equals the file name (e.g. cve-2024-6387).
 */
id: string
/**
 * What the vulnerability is.
 */
title: string
/**
 * CVE and/or CNVD ids.
 * 
 * @minItems 1
 * 
 * Items: CVE-YYYY-NNNN or CNVD-YYYY-NNNNN.
 */
references: [string, ...(string)[]]
/**
 * Severity; decides the due date.
 */
severity: ("critical" | "high" | "medium" | "low")
/**
 * When the advisory became known to the organisation (the patch clock starts).
 */
published: string
/**
 * Affected packages and the first fixed version of each.
 * 
 * @minItems 1
 * 
 * Items: One package.
 */
packages: [{
/**
 * Package name (dpkg or rpm).
 */
name: string
/**
 * The first version that fixes it.
 */
fixed_version: string
}, ...({
/**
 * Package name (dpkg or rpm).
 */
name: string
/**
 * The first version that fixes it.
 */
fixed_version: string
})[]]
/**
 * How it is remediated: the change that patches it, a change that only mitigates it, or the exception that accepts the risk until it expires.
 */
remediation?: {
/**
 * The change that patches it (changes/YYYY/): one of its steps installs a package this advisory names. Closed succeeded, the advisory is patched.
 */
change?: string
/**
 * A change that mitigates it without installing the fixed version (a sysctl, configuration or firewall workaround). Closed succeeded, the advisory is mitigated, not patched: the patch clock keeps running.
 */
mitigation?: string
/**
 * Exception id (policies/exceptions/).
 */
exception?: string
}
}

// approval.schema.json
/**
 * Who must approve what in a pull request. Read by the gate from the BASE branch only; changes to this file fall under the governance (highest) tier.
 */
export interface ApprovalDocument {
/**
 * Always `approval` (the file name without extension).
 */
id: "approval"
/**
 * What this policy is for, in a sentence or two.
 */
description?: string
/**
 * Named sets of people. Keys are team ids (kebab-case); members are person ids from policies/access/people/.
 */
teams: {
[k: string]: Team | undefined
}
/**
 * The highest tier: files that change the rules themselves. The gate always adds policies/approval.yaml, policies/access/**, schemas/**, scripts/**, .github/**, .ci/**, package.json and package-lock.json, whatever is listed here.
 */
governance: {
/**
 * Why these files need the highest tier.
 */
description?: string
/**
 * Extra path globs (picomatch syntax, dot files included) that fall under the highest tier.
 */
paths: string[]
require: Requirement
}
/**
 * Approval rules. Every rule whose `if` matches at least one changed file applies, and every applying rule must be satisfied.
 * 
 * @minItems 1
 */
rules: [Rule, ...(Rule)[]]
/**
 * Veto: a 'changes requested' review from an eligible reviewer blocks the pull request until that reviewer approves or the review is dismissed.
 */
disapproval?: {
/**
 * Whether changes-requested reviews block (default true when the section is absent).
 */
enabled: boolean
from?: ApproverSet1
}
/**
 * The lowest repository role whose review counts (read through GitHub's collaborator permission API); GitHub itself ignores approvals from people who cannot push. Default write.
 */
min_reviewer_permission?: ("read" | "triage" | "write" | "maintain" | "admin")
/**
 * Reduced approval for change requests of type `emergency` (a retro review is then due, see the change's emergency.retro_review_due).
 */
emergency?: {
/**
 * When the reduced path may be used.
 */
description?: string
require: Requirement3
/**
 * Hours after evaluation by which the retro review is due, when the change does not state emergency.retro_review_due.
 */
retro_review_within_hours: number
}
}
/**
 * A named set of people.
 */
export interface Team {
/**
 * Display name, e.g. 'Change Advisory Board (CAB)'.
 */
title: string
/**
 * What the team is responsible for.
 */
description?: string
/**
 * Person ids (policies/access/people/<id>.yaml). A person counts once however many teams they are in.
 */
members: string[]
}
/**
 * Approval needed for any governance file; applies in addition to every other matching rule and is never reduced for emergencies.
 */
export interface Requirement {
/**
 * How many distinct eligible people must approve.
 */
count?: number
from?: ApproverSet
/**
 * Every nested requirement must be satisfied.
 * 
 * @minItems 1
 */
all?: [Requirement1, ...(Requirement1)[]]
/**
 * At least one nested requirement must be satisfied.
 * 
 * @minItems 1
 */
any?: [Requirement1, ...(Requirement1)[]]
}
/**
 * Who may approve.
 */
export interface ApproverSet {
/**
 * Team ids from `teams`.
 * 
 * @minItems 1
 */
teams?: [string, ...(string)[]]
/**
 * Person ids.
 * 
 * @minItems 1
 */
people?: [string, ...(string)[]]
/**
 * Include the owners (inventory/groups/<id>.yaml `owners`) of every group the matched documents target.
 */
group_owners?: boolean
}
/**
 * Either `count` distinct eligible people `from` a set, or `all` / `any` of nested requirements (exactly one of the three forms).
 */
export interface Requirement1 {
/**
 * How many distinct eligible people must approve.
 */
count?: number
from?: ApproverSet
/**
 * Every nested requirement must be satisfied.
 * 
 * @minItems 1
 */
all?: [Requirement1, ...(Requirement1)[]]
/**
 * At least one nested requirement must be satisfied.
 * 
 * @minItems 1
 */
any?: [Requirement1, ...(Requirement1)[]]
}
/**
 * One approval rule: when it applies and what it requires.
 */
export interface Rule {
/**
 * Stable rule id shown in the PR comment and the decision record.
 */
id: string
/**
 * Short human title.
 */
title: string
/**
 * Why the rule exists (shown to policy authors).
 */
description?: string
if: Condition
require: Requirement2
/**
 * `reduced` (default): emergency changes may use the policy's emergency requirement instead; `full`: never reduced.
 */
emergency?: ("reduced" | "full")
}
/**
 * Conditions, all of which must hold for one changed file (lists are any-of). An empty object matches every file.
 */
export interface Condition {
/**
 * Document kinds (decided by folder): change, incident, host, group, person, role, grant, access-review, exception, baseline, backup-policy, runbook, organisation, calendar, sla, oncall, approval, file.
 * 
 * @minItems 1
 */
kinds?: [string, ...(string)[]]
/**
 * Change request types.
 * 
 * @minItems 1
 */
change_types?: [("standard" | "normal" | "emergency"), ...(("standard" | "normal" | "emergency"))[]]
/**
 * Matches change requests whose effective risk, the higher of declared and derived, is at least this.
 */
risk_at_least?: ("low" | "medium" | "high" | "critical")
/**
 * Matches change requests whose declared `risk` is at least this.
 */
declared_risk_at_least?: ("low" | "medium" | "high" | "critical")
/**
 * Matches change requests whose derived risk (computed from targets, steps and criticality) is at least this.
 */
derived_risk_at_least?: ("low" | "medium" | "high" | "critical")
/**
 * Target environments (from the target hosts, or the groups' env; unknown counts as prod).
 * 
 * @minItems 1
 */
envs?: [("prod" | "staging" | "test" | "dev"), ...(("prod" | "staging" | "test" | "dev"))[]]
/**
 * Target inventory groups (directly or through the target hosts).
 * 
 * @minItems 1
 */
groups?: [string, ...(string)[]]
/**
 * Path globs (picomatch, dot files included) matched against the changed file's path and, for renames, its old path.
 * 
 * @minItems 1
 */
paths?: [string, ...(string)[]]
}
/**
 * Either `count` distinct eligible people `from` a set, or `all` / `any` of nested requirements (exactly one of the three forms).
 */
export interface Requirement2 {
/**
 * How many distinct eligible people must approve.
 */
count?: number
from?: ApproverSet
/**
 * Every nested requirement must be satisfied.
 * 
 * @minItems 1
 */
all?: [Requirement1, ...(Requirement1)[]]
/**
 * At least one nested requirement must be satisfied.
 * 
 * @minItems 1
 */
any?: [Requirement1, ...(Requirement1)[]]
}
/**
 * Only these people may veto; default: every active person who is not the author.
 */
export interface ApproverSet1 {
/**
 * Team ids from `teams`.
 * 
 * @minItems 1
 */
teams?: [string, ...(string)[]]
/**
 * Person ids.
 * 
 * @minItems 1
 */
people?: [string, ...(string)[]]
/**
 * Include the owners (inventory/groups/<id>.yaml `owners`) of every group the matched documents target.
 */
group_owners?: boolean
}
/**
 * Either `count` distinct eligible people `from` a set, or `all` / `any` of nested requirements (exactly one of the three forms).
 */
export interface Requirement3 {
/**
 * How many distinct eligible people must approve.
 */
count?: number
from?: ApproverSet
/**
 * Every nested requirement must be satisfied.
 * 
 * @minItems 1
 */
all?: [Requirement1, ...(Requirement1)[]]
/**
 * At least one nested requirement must be satisfied.
 * 
 * @minItems 1
 */
any?: [Requirement1, ...(Requirement1)[]]
}

// backup-policy.schema.json
/**
 * What is backed up, how often, kept how long and where; verified how. File: policies/backup/<id>.yaml.
 */
export interface BackupPolicyDocument {
/**
 * Policy id; equals the file name.
 */
id: string
/**
 * Human title.
 */
title: string
/**
 * Hosts and/or groups backed up.
 */
targets: {
/**
 * Host ids (files under inventory/hosts/).
 * 
 * Items: An id.
 */
hosts?: string[]
/**
 * Group ids (files under inventory/groups/).
 * 
 * Items: An id.
 */
groups?: string[]
}
/**
 * Absolute paths backed up.
 * 
 * @minItems 1
 * 
 * Items: Path.
 */
paths: [string, ...(string)[]]
/**
 * Patterns restic leaves out of the snapshot (`restic backup --exclude`), in restic's exclude syntax.
 * 
 * Items: An exclude pattern.
 */
exclude?: string[]
/**
 * restic tags the policy's snapshots carry (`restic backup --tag`); inspection counts only snapshots with all of them (and, without tags, those whose paths include every policy path), per host.
 * 
 * Items: A tag.
 */
tags?: string[]
/**
 * Backup tool.
 */
tool: "restic"
/**
 * Where snapshots go.
 */
repository: {
/**
 * restic repository (kept off-host).
 */
url: string
/**
 * Environment variable with the repository password.
 */
password_env: string
/**
 * `opsgate converge backup` creates the repository (`restic init`) when it does not exist. Without it a missing repository is reported and nothing is installed.
 */
init?: boolean
/**
 * restic's cache directory on the backed-up host (RESTIC_CACHE_DIR); default /var/cache/opsgate/restic/<policy id>.
 */
cache_dir?: string
/**
 * Backend credentials the repository needs (S3, B2, Azure, REST …): each key is the variable restic's backend reads (AWS_ACCESS_KEY_ID, B2_ACCOUNT_KEY …), each value the name of the runner secret holding it. Written to the root-only environment file on the host, never to a command line or a record.
 */
credentials?: {
/**
 * Name of the runner secret (environment variable) holding the value.
 */
[k: string]: string | undefined
}
}
/**
 * The host that stores the copies (never the backed-up host itself).
 */
offhost: {
/**
 * Host id.
 */
host: string
}
/**
 * Repository encrypted (restic always encrypts; stated for auditors).
 */
encryption?: boolean
/**
 * Schedule by backup type (cron, in the calendar time zone).
 */
schedule: {
/**
 * Cron (5 fields, in the calendar time zone) of the full backups. restic snapshots are all incremental and deduplicated: a full run is a snapshot plus `restic check --read-data-subset` (what it reads: `verification.read_data_subset`), tagged `full` when `full.distinct_copies` is set.
 */
full: string
/**
 * Cron (5 fields, in the calendar time zone) of the incremental backups: a restic snapshot.
 */
incremental?: string
/**
 * Cron (5 fields, in the calendar time zone) of differential backups. restic has no differential snapshot (each snapshot restores alone), so this is a restic snapshot like an incremental one; lint refuses it together with `incremental`.
 */
differential?: string
}
/**
 * How a full run maps onto restic.
 */
full?: {
/**
 * No longer read (lint: backup.read-data-subset-moved): what restic check reads back is `verification.read_data_subset`, one value for `opsgate backup verify` and every full run. Move the value there.
 */
read_data_subset?: string
/**
 * Full runs tag their snapshot `full`, and retention treats the tagged snapshots as a group of their own (`restic forget --group-by host,paths,tags`), so the full copies the policy requires are kept apart from the incremental ones.
 */
distinct_copies?: boolean
}
/**
 * How the backup job runs on the host.
 */
run?: {
/**
 * Random delay before each run (systemd RandomizedDelaySec; the cron fallback sleeps as long), so a fleet does not hit the repository at once. Default 0.
 */
randomized_delay_seconds?: number
/**
 * CPU niceness of the job (systemd Nice=, `nice -n` under cron). Default 10.
 */
nice?: number
/**
 * I/O scheduling class (systemd IOSchedulingClass=, `ionice -c` under cron), so backups do not starve production. Default idle.
 */
io_scheduling_class?: ("idle" | "best-effort")
/**
 * The whole run (hooks, backup, forget --prune, check) is stopped after this long. Default 360.
 */
timeout_minutes?: number
}
/**
 * Typed steps around the backup: `pre` before it (a failing one stops the run), `post` after it, whatever the outcome.
 */
hooks?: {
/**
 * Steps before the backup, in order.
 * 
 * Items: A step.
 */
pre?: ({
/**
 * Step id, unique in the policy.
 */
id: string
/**
 * Run an argument list.
 */
kind: "run"
/**
 * Program and arguments, each quoted by opsgate; the program must not start with '-'.
 * 
 * @minItems 1
 * 
 * Items: One argument.
 */
argv: [string, ...(string)[]]
/**
 * File the command's standard output is written to (mode 0600), e.g. a database dump.
 */
stdout?: string
/**
 * The step is killed after this long (default 600); a pre-step that fails or times out stops the run before the backup.
 */
timeout_seconds?: number
/**
 * What the step is for.
 */
description?: string
} | {
/**
 * Step id, unique in the policy.
 */
id: string
/**
 * Remove a path.
 */
kind: "remove"
/**
 * Absolute path removed (never '/').
 */
path: string
/**
 * The step is killed after this long (default 600).
 */
timeout_seconds?: number
/**
 * What the step is for.
 */
description?: string
})[]
/**
 * Steps after the backup (always run), in order.
 * 
 * Items: A step.
 */
post?: ({
/**
 * Step id, unique in the policy.
 */
id: string
/**
 * Run an argument list.
 */
kind: "run"
/**
 * Program and arguments, each quoted by opsgate; the program must not start with '-'.
 * 
 * @minItems 1
 * 
 * Items: One argument.
 */
argv: [string, ...(string)[]]
/**
 * File the command's standard output is written to (mode 0600), e.g. a database dump.
 */
stdout?: string
/**
 * The step is killed after this long (default 600); a pre-step that fails or times out stops the run before the backup.
 */
timeout_seconds?: number
/**
 * What the step is for.
 */
description?: string
} | {
/**
 * Step id, unique in the policy.
 */
id: string
/**
 * Remove a path.
 */
kind: "remove"
/**
 * Absolute path removed (never '/').
 */
path: string
/**
 * The step is killed after this long (default 600).
 */
timeout_seconds?: number
/**
 * What the step is for.
 */
description?: string
})[]
}
/**
 * How `opsgate converge backup` puts the policy on the hosts.
 */
converge?: {
/**
 * The scheduled converge (`apply --due`) changes a host only inside one of its maintenance windows (policies/calendar.yaml).
 */
maintenance_window?: boolean
}
/**
 * restic forget policy.
 */
retention: {
/**
 * Daily snapshots kept.
 */
keep_daily: number
/**
 * Weekly kept.
 */
keep_weekly?: number
/**
 * Monthly kept.
 */
keep_monthly?: number
/**
 * Yearly kept.
 */
keep_yearly?: number
}
/**
 * Recovery point objective: newest snapshot at most this old.
 */
rpo_hours: number
/**
 * Recovery time objective in hours (fractions allowed: 0.5 is 30 minutes). `opsgate backup verify --restore-test` measures the restore of the sample paths against it.
 */
rto_hours: number
/**
 * How backups are proven: `opsgate backup verify` runs `restic snapshots`, `restic check` and `restic forget --dry-run` on every run, and a restore test when one is due. Results are records under records/backups/, never dates typed here.
 */
verification: {
/**
 * A restore test of every target host is due when its last passing one (records/backups/) is older than this many days.
 */
restore_test_every_days: number
/**
 * What `restic check --read-data-subset` reads back of the pack files: 'n/t' (part n of t), 'x%' or a size such as '500M'. One value for both readers: `opsgate backup verify` (without it, its check verifies structure and pack sizes only) and the full runs `opsgate converge backup` installs on the hosts (without it, 5%).
 */
read_data_subset?: string
/**
 * Paths restored by the restore test (each one of `paths` or below one); default: every path of the policy (a full restore).
 * 
 * @minItems 1
 * 
 * Items: An absolute path.
 */
sample_paths?: [string, ...(string)[]]
/**
 * Host id where restic runs for this policy (snapshots, check, retention, restore test), reaching the repository at `repository.url`; default: each target host, through its inventory `backup_repositories`.
 */
restore_host?: string
/**
 * Directory on the restic host under which the restore test creates (and removes) its scratch directory; default /var/tmp.
 */
scratch_dir?: string
}
}

// baseline.schema.json
/**
 * A security or resource baseline: typed checks that `opsgate inspect` evaluates on every host in scope. File: policies/baselines/<id>.yaml.
 */
export interface BaselineDocument {
/**
 * Baseline id; equals the file name.
 */
id: string
/**
 * Title (Chinese welcome).
 */
title: string
/**
 * What the baseline covers.
 */
description?: string
/**
 * Which hosts this applies to; all given fields must match (hosts or groups, and envs). Absent: every host.
 */
applies_to?: {
/**
 * Host ids.
 * 
 * Items: A host id.
 */
hosts?: string[]
/**
 * Group ids.
 * 
 * Items: A group id.
 */
groups?: string[]
/**
 * Environments.
 * 
 * Items: An environment.
 */
envs?: ("prod" | "staging" | "test" | "dev")[]
}
/**
 * The checks.
 * 
 * @minItems 1
 * 
 * Items: One typed check.
 */
checks: [({
/**
 * Check id, unique across all baselines, e.g. ssh.permit-root-login; exceptions name it in `rule`.
 */
id: string
/**
 * Short title (Chinese welcome).
 */
title: string
/**
 * How bad a failure is.
 */
severity: ("critical" | "high" | "medium" | "low" | "info")
/**
 * Check type; decides the shape of params.
 */
type: ("sshd_option" | "sshd_loaded" | "port_allowlist" | "port_denylist" | "login_defs" | "file_mode" | "package_absent" | "package_present" | "sysctl" | "disk_usage" | "memory_usage" | "load" | "ntp_sync" | "log_retention" | "listening_service" | "accounts" | "authorized_keys" | "sudoers" | "privileged_groups" | "empty_password" | "password_age" | "package_version" | "pending_updates" | "reboot_required" | "service_active" | "backup_freshness" | "manual")
/**
 * Type-specific parameters (see the type).
 */
params: {

}
/**
 * Why the check exists.
 */
rationale: string
/**
 * How to fix a failure.
 */
remediation: string
/**
 * Control references.
 */
mappings?: {
/**
 * 等保 2.0 (GB/T 22239-2019) items, e.g. "8.1.4.1 身份鉴别".
 * 
 * Items: A 等保 2.0 item.
 */
djbh?: string[]
/**
 * ISO/IEC 27001:2022 Annex A controls, e.g. A.8.5.
 * 
 * Items: An Annex A control.
 */
iso27001?: string[]
/**
 * CIS Benchmark (Debian Linux 12) items, e.g. 5.1.20.
 * 
 * Items: A CIS item.
 */
cis?: string[]
}
/**
 * Which hosts this applies to; all given fields must match (hosts or groups, and envs). Absent: every host.
 */
applies_to?: {
/**
 * Host ids.
 * 
 * Items: A host id.
 */
hosts?: string[]
/**
 * Group ids.
 * 
 * Items: A group id.
 */
groups?: string[]
/**
 * Environments.
 * 
 * Items: An environment.
 */
envs?: ("prod" | "staging" | "test" | "dev")[]
}
} & {
/**
 * Check id, unique across all baselines, e.g. ssh.permit-root-login; exceptions name it in `rule`.
 */
id: string
/**
 * Short title (Chinese welcome).
 */
title: string
/**
 * How bad a failure is.
 */
severity: ("critical" | "high" | "medium" | "low" | "info")
/**
 * Check type; decides the shape of params.
 */
type: ("sshd_option" | "sshd_loaded" | "port_allowlist" | "port_denylist" | "login_defs" | "file_mode" | "package_absent" | "package_present" | "sysctl" | "disk_usage" | "memory_usage" | "load" | "ntp_sync" | "log_retention" | "listening_service" | "accounts" | "authorized_keys" | "sudoers" | "privileged_groups" | "empty_password" | "password_age" | "package_version" | "pending_updates" | "reboot_required" | "service_active" | "backup_freshness" | "manual")
/**
 * Type-specific parameters (see the type).
 */
params: {

}
/**
 * Why the check exists.
 */
rationale: string
/**
 * How to fix a failure.
 */
remediation: string
/**
 * Control references.
 */
mappings?: {
/**
 * 等保 2.0 (GB/T 22239-2019) items, e.g. "8.1.4.1 身份鉴别".
 * 
 * Items: A 等保 2.0 item.
 */
djbh?: string[]
/**
 * ISO/IEC 27001:2022 Annex A controls, e.g. A.8.5.
 * 
 * Items: An Annex A control.
 */
iso27001?: string[]
/**
 * CIS Benchmark (Debian Linux 12) items, e.g. 5.1.20.
 * 
 * Items: A CIS item.
 */
cis?: string[]
}
/**
 * Which hosts this applies to; all given fields must match (hosts or groups, and envs). Absent: every host.
 */
applies_to?: {
/**
 * Host ids.
 * 
 * Items: A host id.
 */
hosts?: string[]
/**
 * Group ids.
 * 
 * Items: A group id.
 */
groups?: string[]
/**
 * Environments.
 * 
 * Items: An environment.
 */
envs?: ("prod" | "staging" | "test" | "dev")[]
}
}), ...(({
/**
 * Check id, unique across all baselines, e.g. ssh.permit-root-login; exceptions name it in `rule`.
 */
id: string
/**
 * Short title (Chinese welcome).
 */
title: string
/**
 * How bad a failure is.
 */
severity: ("critical" | "high" | "medium" | "low" | "info")
/**
 * Check type; decides the shape of params.
 */
type: ("sshd_option" | "sshd_loaded" | "port_allowlist" | "port_denylist" | "login_defs" | "file_mode" | "package_absent" | "package_present" | "sysctl" | "disk_usage" | "memory_usage" | "load" | "ntp_sync" | "log_retention" | "listening_service" | "accounts" | "authorized_keys" | "sudoers" | "privileged_groups" | "empty_password" | "password_age" | "package_version" | "pending_updates" | "reboot_required" | "service_active" | "backup_freshness" | "manual")
/**
 * Type-specific parameters (see the type).
 */
params: {

}
/**
 * Why the check exists.
 */
rationale: string
/**
 * How to fix a failure.
 */
remediation: string
/**
 * Control references.
 */
mappings?: {
/**
 * 等保 2.0 (GB/T 22239-2019) items, e.g. "8.1.4.1 身份鉴别".
 * 
 * Items: A 等保 2.0 item.
 */
djbh?: string[]
/**
 * ISO/IEC 27001:2022 Annex A controls, e.g. A.8.5.
 * 
 * Items: An Annex A control.
 */
iso27001?: string[]
/**
 * CIS Benchmark (Debian Linux 12) items, e.g. 5.1.20.
 * 
 * Items: A CIS item.
 */
cis?: string[]
}
/**
 * Which hosts this applies to; all given fields must match (hosts or groups, and envs). Absent: every host.
 */
applies_to?: {
/**
 * Host ids.
 * 
 * Items: A host id.
 */
hosts?: string[]
/**
 * Group ids.
 * 
 * Items: A group id.
 */
groups?: string[]
/**
 * Environments.
 * 
 * Items: An environment.
 */
envs?: ("prod" | "staging" | "test" | "dev")[]
}
} & {
/**
 * Check id, unique across all baselines, e.g. ssh.permit-root-login; exceptions name it in `rule`.
 */
id: string
/**
 * Short title (Chinese welcome).
 */
title: string
/**
 * How bad a failure is.
 */
severity: ("critical" | "high" | "medium" | "low" | "info")
/**
 * Check type; decides the shape of params.
 */
type: ("sshd_option" | "sshd_loaded" | "port_allowlist" | "port_denylist" | "login_defs" | "file_mode" | "package_absent" | "package_present" | "sysctl" | "disk_usage" | "memory_usage" | "load" | "ntp_sync" | "log_retention" | "listening_service" | "accounts" | "authorized_keys" | "sudoers" | "privileged_groups" | "empty_password" | "password_age" | "package_version" | "pending_updates" | "reboot_required" | "service_active" | "backup_freshness" | "manual")
/**
 * Type-specific parameters (see the type).
 */
params: {

}
/**
 * Why the check exists.
 */
rationale: string
/**
 * How to fix a failure.
 */
remediation: string
/**
 * Control references.
 */
mappings?: {
/**
 * 等保 2.0 (GB/T 22239-2019) items, e.g. "8.1.4.1 身份鉴别".
 * 
 * Items: A 等保 2.0 item.
 */
djbh?: string[]
/**
 * ISO/IEC 27001:2022 Annex A controls, e.g. A.8.5.
 * 
 * Items: An Annex A control.
 */
iso27001?: string[]
/**
 * CIS Benchmark (Debian Linux 12) items, e.g. 5.1.20.
 * 
 * Items: A CIS item.
 */
cis?: string[]
}
/**
 * Which hosts this applies to; all given fields must match (hosts or groups, and envs). Absent: every host.
 */
applies_to?: {
/**
 * Host ids.
 * 
 * Items: A host id.
 */
hosts?: string[]
/**
 * Group ids.
 * 
 * Items: A group id.
 */
groups?: string[]
/**
 * Environments.
 * 
 * Items: An environment.
 */
envs?: ("prod" | "staging" | "test" | "dev")[]
}
}))[]]
}

// calendar.schema.json
/**
 * Time zone, maintenance windows, freezes, holidays and make-up workdays (调休). File: policies/calendar.yaml.
 */
export interface CalendarDocument {
/**
 * Always "calendar".
 */
id: "calendar"
/**
 * IANA time zone for windows and dates without an offset, e.g. Asia/Shanghai.
 */
timezone: string
/**
 * Recurring maintenance windows. A non-emergency change must lie inside one that applies to each of its targets.
 * 
 * Items: One window.
 */
maintenance_windows: {
/**
 * Window id.
 */
id: string
/**
 * Human title.
 */
title: string
/**
 * Days of the week on which the window opens.
 * 
 * @minItems 1
 * 
 * Items: Day.
 */
days: [("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"), ...(("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"))[]]
/**
 * Local opening time HH:MM.
 */
start: string
/**
 * Local closing time HH:MM; earlier than start means it closes the next day.
 */
end: string
/**
 * Open only on workdays (not on holidays; also on make-up workdays).
 */
workdays_only?: boolean
/**
 * Which hosts this window is for; omitted means every host.
 */
applies_to?: {
/**
 * Environments.
 * 
 * Items: Environment.
 */
envs?: ("prod" | "staging" | "test" | "dev")[]
/**
 * Groups.
 * 
 * Items: An id.
 */
groups?: string[]
/**
 * Hosts.
 * 
 * Items: An id.
 */
hosts?: string[]
}
}[]
/**
 * Change freezes (封网), e.g. the Spring Festival.
 * 
 * Items: One freeze.
 */
freezes?: {
/**
 * Freeze id.
 */
id: string
/**
 * Human title.
 */
title: string
/**
 * Start with offset.
 */
start: string
/**
 * End with offset.
 */
end: string
/**
 * Change types still allowed inside the freeze.
 * 
 * Items: Change type.
 */
allow_types: ("standard" | "normal" | "emergency")[]
/**
 * Why.
 */
reason?: string
}[]
/**
 * Public holidays (no workday): the official State Council schedule (opsgate calendar sync writes it) plus local deviations.
 * 
 * Items: One holiday.
 */
holidays?: {
/**
 * Date.
 */
date: string
/**
 * Name.
 */
name: string
}[]
/**
 * Weekend days that are workdays (调休): the official schedule plus local deviations.
 * 
 * Items: One make-up workday.
 */
makeup_workdays?: {
/**
 * Date.
 */
date: string
/**
 * Name.
 */
name: string
}[]
/**
 * Days on which this calendar knowingly differs from the official State Council schedule (chinese-days): an official holiday or make-up workday left out, or a local one added. Lint reports any other difference.
 * 
 * Items: One local deviation.
 */
deviations?: {
/**
 * The local date that differs from the official schedule.
 */
date: string
/**
 * Why this organisation differs from the official schedule on this day (who decided, what it serves).
 */
reason: string
}[]
}

// change.schema.json
/**
 * One typed step; `kind` decides which fields apply (run: argv or script; upload: source, dest, mode; converge: target).
 */
export type Step = (RunStep | UploadStep | ConvergeStep)

/**
 * A written, reviewed plan for one change (变更申请单). File: changes/YYYY/CHG-YYYY-NNNN.yaml.
 */
export interface ChangeDocument {
/**
 * Change id; equals the file name.
 */
id: string
/**
 * Short title.
 */
title: string
/**
 * standard: pre-approved routine; normal: reviewed; emergency: urgent, reduced approval, retro-reviewed.
 */
type: ("standard" | "normal" | "emergency")
/**
 * Declared risk; must not be below the risk opsgate derives.
 */
risk: ("low" | "medium" | "high" | "critical")
/**
 * Person requesting.
 */
requester: string
/**
 * Person carrying it out (cannot approve it).
 */
implementer: string
/**
 * Why the change is needed.
 */
purpose: string
/**
 * Impact analysis.
 */
impact: {
/**
 * What is affected and how.
 */
description: string
/**
 * Services affected.
 * 
 * Items: Service.
 */
services?: string[]
/**
 * Expected downtime.
 */
expected_downtime_minutes: number
/**
 * Who notices.
 */
users_affected?: string
}
/**
 * Hosts and/or groups changed.
 */
targets: {
/**
 * Host ids (files under inventory/hosts/).
 * 
 * Items: An id.
 */
hosts?: string[]
/**
 * Group ids (files under inventory/groups/).
 * 
 * Items: An id.
 */
groups?: string[]
}
/**
 * When the change may run.
 */
window: {
/**
 * Start with offset.
 */
start: string
/**
 * End with offset.
 */
end: string
}
/**
 * Checks that must pass before any step.
 */
prechecks?: Check[]
/**
 * Steps in order.
 * 
 * @minItems 1
 */
steps: [Step, ...(Step)[]]
/**
 * Checks after the steps; failure triggers rollback.
 */
verification?: Check[]
/**
 * Steps that undo the change.
 */
rollback?: Step[]
/**
 * Rollout in batches.
 */
rollout?: {
/**
 * Hosts in the first batch.
 */
canary?: number
/**
 * Hosts per later batch.
 */
batch_size: number
/**
 * Failed hosts tolerated before the rollout stops.
 */
max_failures?: number
/**
 * Pause between batches.
 */
pause_seconds?: number
/**
 * What happens when the window closes (or a freeze begins) during the rollout: stop (default: the remaining hosts are left untouched, hosts already changed stay changed) or rollback (hosts already changed are rolled back too).
 */
on_window_end?: ("stop" | "rollback")
}
/**
 * How this was tested before production.
 */
test_evidence?: {
/**
 * What was tested where.
 */
summary: string
/**
 * Links to evidence.
 * 
 * Items: Link.
 */
links?: string[]
}
/**
 * Related documents.
 */
related?: {
/**
 * Runbook ids.
 * 
 * Items: An id.
 */
runbooks?: string[]
/**
 * Incident ids.
 * 
 * Items: An id.
 */
incidents?: string[]
/**
 * Change ids.
 * 
 * Items: An id.
 */
changes?: string[]
}
/**
 * Emergency justification.
 */
emergency?: {
/**
 * Why it cannot wait.
 */
justification: string
/**
 * When the retrospective review is due.
 */
retro_review_due: string
}
/**
 * Post-implementation review; a change counts as closed only with it.
 */
closure?: {
/**
 * Outcome.
 */
outcome: ("succeeded" | "partial" | "failed" | "rolled_back" | "cancelled")
/**
 * When closed.
 */
closed_at: string
/**
 * Deviations from the plan, or none.
 */
deviations: string
/**
 * Incidents caused.
 * 
 * Items: An id.
 */
incidents_caused?: string[]
/**
 * Reviewer.
 */
reviewed_by: string
/**
 * Summary.
 */
summary?: string
}
}
/**
 * A check: a command whose exit status and output must match (argv), or a typed check opsgate evaluates on the host (backup_fresh); exactly one of the two.
 */
export interface Check {
/**
 * Check id.
 */
id: string
/**
 * Human description.
 */
name?: string
/**
 * Command as an argument list; never a shell string. Each item is quoted by opsgate.
 * 
 * @minItems 1
 * 
 * Items: One argument.
 */
argv?: [string, ...(string)[]]
/**
 * Backup before upgrade: the host's newest snapshot of this backup policy (its tags, else its paths) must be at most within_hours old. Evaluated on the host with restic (the repository of the host's backup_repositories entry, else the policy's), the password on stdin.
 */
backup_fresh?: {
/**
 * Backup policy id (policies/backup/).
 */
policy: string
/**
 * Largest age of the newest snapshot, in hours.
 */
within_hours: number
}
/**
 * Seconds before the step is stopped and counted failed.
 */
timeout_seconds?: number
/**
 * What success looks like.
 */
expect?: {
/**
 * Expected exit code.
 */
exit_code?: number
/**
 * Substring expected on stdout.
 */
stdout_contains?: string
/**
 * Regular expression stdout must match.
 */
stdout_matches?: string
}
}
/**
 * A run step: argv or a repository script (exactly one).
 */
export interface RunStep {
/**
 * Step id, unique in the change.
 */
id: string
/**
 * Human description.
 */
name?: string
/**
 * Seconds before the step is stopped and counted failed.
 */
timeout_seconds?: number
/**
 * Safe to run twice: --resume may re-run it after an interruption.
 */
idempotent?: boolean
/**
 * Run a command or a repository script.
 */
kind: "run"
/**
 * Command as an argument list; never a shell string. Each item is quoted by opsgate.
 * 
 * @minItems 1
 * 
 * Items: One argument.
 */
argv?: [string, ...(string)[]]
/**
 * Repository path of a script, uploaded and run (instead of argv).
 */
script?: string
/**
 * Arguments for the script.
 * 
 * Items: One argument.
 */
args?: string[]
/**
 * Environment variables for the command.
 */
env?: {
/**
 * Value.
 */
[k: string]: string | undefined
}
/**
 * Run through sudo -n.
 */
sudo?: boolean
}
/**
 * An upload step.
 */
export interface UploadStep {
/**
 * Step id, unique in the change.
 */
id: string
/**
 * Human description.
 */
name?: string
/**
 * Seconds before the step is stopped and counted failed.
 */
timeout_seconds?: number
/**
 * Safe to run twice: --resume may re-run it after an interruption.
 */
idempotent?: boolean
/**
 * Upload a repository file.
 */
kind: "upload"
/**
 * Repository path of the file.
 */
source: string
/**
 * Absolute remote path.
 */
dest: string
/**
 * Octal mode.
 */
mode: string
/**
 * Owner.
 */
owner?: string
/**
 * Group.
 */
group?: string
}
/**
 * A converge step.
 */
export interface ConvergeStep {
/**
 * Step id, unique in the change.
 */
id: string
/**
 * Human description.
 */
name?: string
/**
 * Seconds before the step is stopped and counted failed.
 */
timeout_seconds?: number
/**
 * Safe to run twice: --resume may re-run it after an interruption.
 */
idempotent?: boolean
/**
 * Converge declared policy.
 */
kind: "converge"
/**
 * What to converge.
 */
target: ("access" | "baseline")
/**
 * Baseline id when target is baseline.
 */
baseline?: string
}

// contact.schema.json
/**
 * A vendor or team the operations team calls during incidents: hotline, service hours, contract, what it covers. File: policies/contacts/<id>.yaml.
 */
export type ContactDocument = {
/**
 * Contact id; equals the file name.
 */
id: string
/**
 * Name, e.g. 阿里云数据库技术支持.
 */
name: string
/**
 * vendor (第三方技术部门), internal team, or leadership.
 */
type: ("vendor" | "team" | "leadership")
/**
 * Phone number to call.
 */
hotline?: string
/**
 * E-mail address.
 */
email?: string
/**
 * When the hotline answers.
 */
service_hours?: {
/**
 * 7x24.
 */
always?: boolean
/**
 * Weekdays served.
 * 
 * Items: Day.
 */
days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[]
/**
 * Local start, HH:MM.
 */
from?: string
/**
 * Local end, HH:MM.
 */
to?: string
}
/**
 * Support contract.
 */
contract?: {
/**
 * Contract number.
 */
id?: string
/**
 * First day covered.
 */
starts?: string
/**
 * Last day covered.
 */
expires: string
/**
 * Promised response, e.g. 7x24 电话响应，4 小时到场.
 */
response?: string
}
/**
 * What the contact supports.
 */
covers?: {
/**
 * Host ids.
 * 
 * Items: An id.
 */
hosts?: string[]
/**
 * Group ids.
 * 
 * Items: An id.
 */
groups?: string[]
/**
 * Services.
 * 
 * Items: Service.
 */
services?: string[]
}
/**
 * Named contacts.
 * 
 * Items: One person.
 */
people?: {
/**
 * Name.
 */
name: string
/**
 * Role.
 */
role?: string
/**
 * Phone.
 */
phone?: string
}[]
/**
 * Anything else an engineer on duty needs.
 */
notes?: string
}

// exception.schema.json
/**
 * A waiver of one rule for a scope, with a mandatory expiry. File: policies/exceptions/<id>.yaml.
 */
export interface ExceptionDocument {
/**
 * Exception id; equals the file name.
 */
id: string
/**
 * Baseline check id or lint code waived.
 */
rule: string
/**
 * Hosts and/or groups the waiver covers.
 */
scope: {
/**
 * Host ids (files under inventory/hosts/).
 * 
 * Items: An id.
 */
hosts?: string[]
/**
 * Group ids (files under inventory/groups/).
 * 
 * Items: An id.
 */
groups?: string[]
}
/**
 * Who is responsible for the remediation.
 */
owner: string
/**
 * Who approved the waiver.
 */
approver: string
/**
 * Ticket reference.
 */
ticket: string
/**
 * Why it is acceptable for now.
 */
reason: string
/**
 * When created.
 */
created: string
/**
 * When the waiver ends; after it the finding fails again as exception_expired.
 */
expires: string
}

// grant.schema.json
/**
 * A person holds a role on host groups until expiry. File: policies/access/grants/<id>.yaml.
 */
export interface GrantDocument {
/**
 * Grant id; equals the file name.
 */
id: string
/**
 * Person id.
 */
person: string
/**
 * Role id.
 */
role: string
/**
 * Host groups.
 * 
 * Items: An id.
 */
groups?: string[]
/**
 * Individual hosts.
 * 
 * Items: An id.
 */
hosts?: string[]
/**
 * When granted.
 */
granted_on: string
/**
 * When the grant ends (mandatory).
 */
expires: string
/**
 * Why the person needs it.
 */
justification: string
/**
 * Person who approved.
 */
approved_by: string
/**
 * Ticket reference.
 */
ticket?: string
}

// group.schema.json
/**
 * A set of hosts with owners who may approve work on them. File: inventory/groups/<id>.yaml.
 */
export interface GroupDocument {
/**
 * Group id; equals the file name.
 */
id: string
/**
 * Human title.
 */
title: string
/**
 * What the group is.
 */
description?: string
/**
 * People (policies/access/people/) who own this group and may approve work on it.
 * 
 * Items: An id.
 */
owners: string[]
/**
 * Environment, when all members share one.
 */
env?: ("prod" | "staging" | "test" | "dev")
}

// handover.schema.json
/**
 * A shift handover (交接班) at one boundary of a 24x7 rotation. File: incidents/handovers/YYYY/HO-YYYY-MM-DD-HHMM.yaml (local time of the boundary).
 */
export interface HandoverDocument {
/**
 * HO-YYYY-MM-DD-HHMM of the boundary, local time; equals the file name.
 */
id: string
/**
 * Rotation in policies/oncall.yaml.
 */
rotation: string
/**
 * The shift boundary this handover belongs to.
 */
boundary: string
/**
 * Who hands over (交班).
 */
outgoing: string
/**
 * Who takes over (接班).
 */
incoming: string
/**
 * When the handover happened.
 */
handed_over_at: string
/**
 * Incidents open at the boundary.
 * 
 * Items: One incident.
 */
open_incidents: {
/**
 * Incident id.
 */
id: string
/**
 * Status at the handover.
 */
status?: string
/**
 * What the incoming person must do.
 */
note?: string
}[]
/**
 * Changes whose window opens in the next shift.
 * 
 * Items: One change.
 */
upcoming_changes: {
/**
 * Change id.
 */
id: string
/**
 * Window start.
 */
window_start?: string
/**
 * Note.
 */
note?: string
}[]
/**
 * Inspection checks failing since the last handover.
 * 
 * Items: One failing check.
 */
failing_checks: {
/**
 * Host id.
 */
host: string
/**
 * Check id.
 */
check: string
/**
 * Severity.
 */
severity?: string
/**
 * First seen failing.
 */
since?: string
}[]
/**
 * Anything else the incoming person must know.
 */
notes?: string
/**
 * The incoming person's acknowledgement (接班确认).
 */
acknowledgement?: {
/**
 * Who acknowledged (the incoming person).
 */
by: string
/**
 * When.
 */
at: string
/**
 * Remarks.
 */
note?: string
}
}

// host.schema.json
/**
 * One server opsgate may inspect or change. File: inventory/hosts/<id>.yaml.
 */
export interface HostDocument {
/**
 * Host id; equals the file name.
 */
id: string
/**
 * What this host is for.
 */
description?: string
/**
 * DNS name or IP address the SSH client connects to (ignored when proxy_command is set, except in messages).
 */
address: string
/**
 * SSH port.
 */
port?: number
/**
 * Login user for SSH.
 */
user: string
/**
 * Pinned SSH host public keys in OpenSSH form ("ssh-ed25519 AAAA..."). A key not listed here is refused: no trust on first use.
 * 
 * @minItems 1
 * 
 * Items: An OpenSSH public key: type, space, base64.
 */
host_keys: [string, ...(string)[]]
/**
 * Command whose stdin/stdout carry the SSH connection, as an argv list (like OpenSSH ProxyCommand): for bastions, tunnels and the test fleet.
 * 
 * @minItems 1
 * 
 * Items: One argument.
 */
proxy_command?: [string, ...(string)[]]
/**
 * Host id of a bastion to connect through.
 */
jump_host?: string
/**
 * Inventory groups this host belongs to.
 * 
 * Items: An id.
 */
groups: string[]
/**
 * Environment.
 */
env: ("prod" | "staging" | "test" | "dev")
/**
 * How much the business depends on this host; feeds derived change risk.
 */
criticality: ("low" | "medium" | "high" | "critical")
/**
 * Team (policies/approval.yaml) that owns this host.
 */
owner_team: string
/**
 * Operating system, e.g. debian-12.
 */
os?: string
/**
 * Services this host provides, e.g. nginx, mysql.
 * 
 * Items: Service name.
 */
services?: string[]
/**
 * Backup repositories holding this host's snapshots.
 * 
 * Items: One repository.
 */
backup_repositories?: {
/**
 * Backup policy id (policies/backup/).
 */
policy: string
/**
 * restic repository location as restic understands it (path, sftp:, rest:...).
 */
repository: string
/**
 * Name of the environment variable holding the repository password (never the password itself).
 */
password_env: string
}[]
}

// incident.schema.json
/**
 * A fault report (故障报告单). File: incidents/YYYY/INC-YYYY-NNNN.yaml.
 */
export type IncidentDocument = {
/**
 * Incident id; equals the file name.
 */
id: string
/**
 * Short title.
 */
title: string
/**
 * Level 1–4 (一级…四级); policies/sla.yaml most_severe says which end is the worst.
 */
level: number
/**
 * Status.
 */
status: ("open" | "mitigated" | "resolved" | "closed")
/**
 * Who reported.
 */
reporter: string
/**
 * Who handled it.
 */
handler: string
/**
 * Where the incident came from (根据用户报告或监控系统的预警信息).
 */
source?: ("user_report" | "monitoring" | "inspection" | "other")
/**
 * The monitoring alert that opened the incident (opsgate incident open --from-alertmanager).
 */
alert?: {
/**
 * Alerting system.
 */
source: "alertmanager"
/**
 * Alertmanager fingerprint; repeated alerts with it update this incident.
 */
fingerprint: string
/**
 * alertname label.
 */
alertname?: string
/**
 * Last status received.
 */
status?: ("firing" | "resolved")
/**
 * startsAt of the alert.
 */
starts_at: string
/**
 * endsAt, once resolved.
 */
ends_at?: string
/**
 * When the last notification for this fingerprint was received.
 */
last_received_at?: string
/**
 * How many notifications for this fingerprint were received.
 */
received?: number
/**
 * The alert's labels (values truncated to 200 characters).
 */
labels?: {
/**
 * Label value.
 */
[k: string]: string | undefined
}
/**
 * Link to the alerting expression.
 */
generator_url?: string
}
/**
 * When detected.
 */
detected_at: string
/**
 * When reported.
 */
reported_at: string
/**
 * When acknowledged.
 */
acknowledged_at?: string
/**
 * When the cause was analysed (分析): the fault point checked and the cause identified.
 */
analysed_at?: string
/**
 * When mitigated.
 */
mitigated_at?: string
/**
 * When resolved.
 */
resolved_at?: string
/**
 * 验证: the fix was verified.
 */
verification?: {
/**
 * When.
 */
at: string
/**
 * Who verified.
 */
by: string
/**
 * How it was verified.
 */
note?: string
}
/**
 * 反馈: the result fed back to the reporter and the people concerned.
 */
feedback?: {
/**
 * When.
 */
at: string
/**
 * Who gave the feedback.
 */
by: string
/**
 * To whom (person or contact ids, or names).
 * 
 * @minItems 1
 * 
 * Items: Recipient.
 */
to: [string, ...(string)[]]
/**
 * How.
 */
channel?: ("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms")
/**
 * What was said.
 */
note?: string
}
/**
 * The written 故障报告单 (cause and fix explained) was submitted.
 */
report?: {
/**
 * When it was submitted.
 */
submitted_at: string
/**
 * Who submitted it.
 */
by: string
/**
 * To whom (the supervisor).
 */
to?: string
}
/**
 * When closed.
 */
closed_at?: string
/**
 * What was affected.
 */
affected?: {
/**
 * Hosts.
 * 
 * Items: An id.
 */
hosts?: string[]
/**
 * Services.
 * 
 * Items: Service.
 */
services?: string[]
/**
 * Users affected.
 */
users_affected?: string
}
/**
 * Impact, used to derive the least level the incident may declare.
 */
impact?: {
/**
 * Service availability.
 */
availability?: ("outage" | "degraded" | "minor" | "none")
/**
 * Data.
 */
data?: ("loss" | "leak" | "at_risk" | "none")
/**
 * Users affected.
 */
users?: ("all" | "many" | "few" | "none")
}
/**
 * What happened.
 */
summary: string
/**
 * Timeline.
 * 
 * Items: One entry.
 */
timeline?: {
/**
 * When.
 */
at: string
/**
 * Who.
 */
by?: string
/**
 * What.
 */
note: string
}[]
/**
 * The reporting chain: to the supervisor, from the supervisor to leadership, to technical engineers or a vendor.
 * 
 * Items: One escalation.
 */
escalations?: {
/**
 * When.
 */
at: string
/**
 * Who escalated.
 */
by: string
/**
 * Step of the chain: supervisor (运维主管), leadership (相关领导), technical (技术工程师/二线).
 */
role: ("supervisor" | "leadership" | "technical")
/**
 * People or contacts reached.
 * 
 * @minItems 1
 * 
 * Items: Person or contact id.
 */
to: [string, ...(string)[]]
/**
 * How.
 */
channel: ("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms")
/**
 * What was said.
 */
note?: string
}[]
/**
 * Notifications sent by hand or by opsgate (status updates, reminders).
 * 
 * Items: One notification.
 */
notifications?: {
/**
 * When.
 */
at: string
/**
 * Who sent it (omitted for opsgate).
 */
by?: string
/**
 * Which duty it served.
 */
duty: ("acknowledge" | "supervisor" | "leadership" | "escalation" | "update" | "feedback" | "report" | "postmortem" | "verification" | "other")
/**
 * Recipients (people, contacts, channels or groups).
 * 
 * @minItems 1
 * 
 * Items: Recipient.
 */
to: [string, ...(string)[]]
/**
 * How.
 */
channel: ("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms")
/**
 * What was said.
 */
note?: string
}[]
/**
 * Third-party vendors called in (第三方技术部门).
 * 
 * Items: One engagement.
 */
vendor_engagements?: {
/**
 * Vendor id in policies/contacts/.
 */
contact: string
/**
 * When the vendor was called.
 */
called_at: string
/**
 * Who called.
 */
by: string
/**
 * How.
 */
channel?: ("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms")
/**
 * Vendor ticket number.
 */
ticket?: string
/**
 * When the vendor engineer was on site or online.
 */
arrived_at?: string
/**
 * What the vendor did.
 */
note?: string
}[]
/**
 * Duties that were missed or late, explained and approved; lint reports them as warnings instead of errors.
 * 
 * Items: One deviation.
 */
deviations?: {
/**
 * The duty.
 */
duty: ("acknowledge" | "supervisor" | "leadership" | "escalation" | "update" | "feedback" | "report" | "postmortem" | "verification")
/**
 * Why it was missed.
 */
reason: string
/**
 * Who accepted the explanation (not the handler).
 */
approved_by: string
}[]
/**
 * Where the incident is discussed on GitHub; opsgate comments there.
 */
tracking?: {
/**
 * Pull request number.
 */
pull_request?: number
/**
 * Issue number.
 */
issue?: number
}
/**
 * Root cause.
 */
root_cause?: string
/**
 * How it was resolved.
 */
resolution?: string
/**
 * Change that caused it.
 */
caused_by_change?: string
/**
 * Related changes.
 * 
 * Items: An id.
 */
related_changes?: string[]
/**
 * Follow-up actions.
 * 
 * Items: One action.
 */
follow_ups?: {
/**
 * Action id.
 */
id: string
/**
 * What.
 */
action: string
/**
 * Owner.
 */
owner: string
/**
 * Due date.
 */
due: string
/**
 * Status.
 */
status: ("open" | "done")
/**
 * When done.
 */
done_on?: string
}[]
/**
 * Post-mortem.
 */
postmortem: {
/**
 * Status.
 */
status: ("not_required" | "pending" | "done")
/**
 * Due.
 */
due?: string
/**
 * Completed.
 */
completed_on?: string
}
/**
 * Runbooks used.
 * 
 * Items: An id.
 */
runbooks?: string[]
}

// monthly-notes.schema.json
/**
 * The narrative of one month's operations report (运维报告): work done, problems, and the improvement plan, written by the team and printed around the figures. File: reports/notes/YYYY-MM.yaml (the period).
 */
export interface MonthlyNotesDocument {
/**
 * The period, YYYY-MM; equals the file name.
 */
id: string
/**
 * Who wrote the notes (person id from policies/access/people/).
 */
author: string
/**
 * A short overall assessment of the month (本月概述).
 */
summary?: string
/**
 * Main work done in the month (本月主要工作).
 * 
 * Items: One piece of work.
 */
work_done: {
/**
 * One line: what it is.
 */
title: string
/**
 * More detail, as the report should print it.
 */
detail?: string
/**
 * Changes (CHG-…) and incidents (INC-…) this item is about; each must exist.
 * 
 * Items: A change or incident id.
 */
refs?: string[]
}[]
/**
 * Problems found in the month and their cause (存在问题).
 * 
 * Items: One problem.
 */
problems: {
/**
 * One line: what it is.
 */
title: string
/**
 * More detail, as the report should print it.
 */
detail?: string
/**
 * Changes (CHG-…) and incidents (INC-…) this item is about; each must exist.
 * 
 * Items: A change or incident id.
 */
refs?: string[]
}[]
/**
 * What the team will improve, by whom and by when (改进计划).
 * 
 * Items: One planned improvement.
 */
improvement_plan: {
/**
 * What will be done.
 */
action: string
/**
 * Who does it (person id).
 */
owner: string
/**
 * By when (YYYY-MM-DD).
 */
due: string
/**
 * Changes (CHG-…) and incidents (INC-…) this item is about; each must exist.
 * 
 * Items: A change or incident id.
 */
refs?: string[]
}[]
}

// oncall.schema.json
/**
 * 24x7 duty rotations, overrides, escalation and rest rules. File: policies/oncall.yaml.
 */
export interface OncallDocument {
/**
 * Always "oncall".
 */
id: "oncall"
/**
 * Rotations; together they must cover every hour.
 * 
 * Items: One rotation.
 */
rotations: {
/**
 * Rotation id.
 */
id: string
/**
 * Human title.
 */
title: string
/**
 * People in rotation order.
 * 
 * Items: An id.
 */
members: string[]
/**
 * Shift pattern.
 */
shift: {
/**
 * When the first member's first shift starts.
 */
start: string
/**
 * Length of one shift in hours.
 */
hours: number
}
/**
 * Restrict to a daily span (for day shifts); omitted means around the clock.
 */
daily?: {
/**
 * Local start.
 */
from: string
/**
 * Local end.
 */
to: string
}
}[]
/**
 * Swaps and cover.
 * 
 * Items: One override.
 */
overrides?: {
/**
 * Rotation id.
 */
rotation: string
/**
 * Who is on duty instead.
 */
person: string
/**
 * Start.
 */
start: string
/**
 * End.
 */
end: string
/**
 * Why.
 */
reason?: string
}[]
/**
 * Who is called when the on-call person does not acknowledge.
 * 
 * Items: One step.
 */
escalation?: {
/**
 * Minutes without acknowledgement.
 */
after_minutes: number
/**
 * People or team ids.
 * 
 * @minItems 1
 * 
 * Items: Id.
 */
to: [string, ...(string)[]]
}[]
/**
 * Rest rules.
 */
rest?: {
/**
 * Longest duty stretch allowed.
 */
max_consecutive_hours?: number
/**
 * Shortest rest between duties.
 */
min_rest_hours?: number
}
/**
 * Shift handover (交接班) rules for lint and opsgate handover new.
 */
handover?: {
/**
 * The 24x7 rotation whose every shift boundary needs a handover document.
 */
rotation: string
/**
 * First boundary that needs one (when the practice started).
 */
since: string
/**
 * How far back lint reports missing handovers (default 72).
 */
lookback_hours?: number
/**
 * The incoming person acknowledges within this many minutes of the boundary (default 30).
 */
acknowledge_within_minutes?: number
}
}

// organisation.schema.json
/**
 * Who this repository belongs to. File: policies/organisation.yaml.
 */
export interface OrganisationDocument {
/**
 * Always "organisation".
 */
id: "organisation"
/**
 * Organisation name as printed on reports.
 */
name: string
/**
 * Short name.
 */
short_name?: string
/**
 * Default report language.
 */
default_language: ("zh-CN" | "en")
/**
 * Web address of this repository, for evidence links.
 */
repository_url?: string
/**
 * How often the fleet is inspected, in hours (24 for the daily inspect workflow). The report compares the runs of a period with this schedule, and marks inspection figures incomplete when the last run of the period is older than 1.5 times this before the period end.
 */
inspection_every_hours?: number
/**
 * The only secrets a change request may name as ${{ secrets.NAME }}, and the only ones the workflows pass (`opsgate secrets list`); never the workflow token, the runner's variables or opsgate's own credentials. Lint rejects any other name in a change. Editing this list needs the governance tier.
 * 
 * Items: A secret's name as the repository or environment secrets spell it.
 */
allowed_secrets?: string[]
}

// person.schema.json
/**
 * A named person who may hold access or approve. File: policies/access/people/<id>.yaml.
 */
export interface PersonDocument {
/**
 * Person id; equals the file name.
 */
id: string
/**
 * Full name.
 */
name: string
/**
 * GitHub login, for approvals.
 */
github?: string
/**
 * The GitHub account's immutable numeric id (https://api.github.com/users/<login> → id). A login can be renamed or recycled by another account; when github_id is set, a review counts for this person only if its account has this id. Without it, the login alone decides.
 */
github_id?: number
/**
 * E-mail address.
 */
email?: string
/**
 * Organisational team.
 */
team?: string
/**
 * Employment status; people who left may hold no active grant.
 */
status: ("active" | "left" | "suspended")
/**
 * Date the person left (required when status is left).
 */
left_on?: string
/**
 * SSH public keys, pinned by fingerprint.
 * 
 * Items: One key.
 */
ssh_keys?: {
/**
 * SHA256 fingerprint as ssh-keygen -lf prints it.
 */
fingerprint: string
/**
 * The OpenSSH public key line.
 */
public_key: string
/**
 * When this key stops being valid.
 */
expires?: string
}[]
}

// role.schema.json
/**
 * A unix account and its sudo rules. File: policies/access/roles/<id>.yaml.
 */
export interface RoleDocument {
/**
 * Role id; equals the file name.
 */
id: string
/**
 * Human title.
 */
title: string
/**
 * Unix account the grantees log in as.
 */
unix_account: string
/**
 * Login shell.
 */
shell?: string
/**
 * sudo rules rendered into /etc/sudoers.d/opsgate-<role>.
 * 
 * Items: One rule.
 */
sudo?: {
/**
 * Target user.
 */
runas?: string
/**
 * Absolute commands with arguments, or ALL.
 * 
 * @minItems 1
 * 
 * Items: A command.
 */
commands: [string, ...(string)[]]
/**
 * Without password.
 */
nopasswd?: boolean
}[]
}

// runbook.schema.json
/**
 * YAML front matter of a runbook (SOP). File: runbooks/<id>.md.
 */
export interface RunbookDocument {
/**
 * Runbook id; equals the file name.
 */
id: string
/**
 * Title.
 */
title: string
/**
 * Owner.
 */
owner: string
/**
 * Review cadence.
 */
review_every_days: number
/**
 * Last review.
 */
last_reviewed: string
/**
 * Where it applies.
 */
applies_to?: {
/**
 * Groups.
 * 
 * Items: An id.
 */
groups?: string[]
/**
 * Services.
 * 
 * Items: Service.
 */
services?: string[]
}
/**
 * Tags.
 * 
 * Items: Tag.
 */
tags?: string[]
}

// sla.schema.json
/**
 * Incident levels (一级…四级): which way the numbers run, response and resolution targets, the reporting chain of each level (故障预警处理), how alerts map to levels and how opsgate notifies. File: policies/sla.yaml.
 */
export interface SlaDocument {
/**
 * Always "sla".
 */
id: "sla"
/**
 * Which level number is the most severe: 1 (default, the national 预警 convention: 一级 is the worst) or 4 (四级 is the worst).
 */
most_severe?: (1 | 4)
/**
 * 运维主管: the people an engineer reports a fault to at once.
 * 
 * @minItems 1
 * 
 * Items: Person id.
 */
supervisors?: [string, ...(string)[]]
/**
 * 相关领导: whom the supervisor reports to by phone or in person (person ids or policies/contacts/ ids).
 * 
 * Items: Person or contact id.
 */
leadership?: string[]
/**
 * Exactly one entry per level 1–4.
 * 
 * @minItems 4
 * @maxItems 4
 * 
 * Items: One level.
 */
levels: [{
/**
 * Level number; policies/sla.yaml most_severe says whether 1 or 4 is the worst.
 */
level: number
/**
 * Name, e.g. 一级（特大）.
 */
name: string
/**
 * When an incident is of this level.
 */
description?: string
/**
 * Acknowledge (接收) and start analysing within this many minutes of the report.
 */
acknowledge_minutes: number
/**
 * Target from report to resolution.
 */
resolve_minutes: number
/**
 * When not resolved after this long, escalate to escalate_to (technical engineers, second line).
 */
escalate_after_minutes: number
/**
 * People or teams to escalate to.
 * 
 * Items: Person or team id.
 */
escalate_to?: string[]
/**
 * Status update cadence while open.
 */
update_every_minutes?: number
/**
 * The engineer reports to the supervisor (运维主管) within this many minutes of the report.
 */
report_to_supervisor_minutes?: number
/**
 * The supervisor reports to leadership (相关领导) within this many minutes of the report. Omit when this level needs no leadership report.
 */
leadership_minutes?: number
/**
 * How the supervisor must report to leadership (default phone or in person).
 * 
 * @minItems 1
 * 
 * Items: Way.
 */
leadership_by?: [("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"), ...(("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"))[]]
/**
 * Calling a third-party vendor (第三方技术部门): when_needed (the engineer decides) or not_expected.
 */
vendor?: ("when_needed" | "not_expected")
/**
 * Feedback (反馈) to the reporter within this many minutes of resolution (default: by the report deadline).
 */
feedback_minutes?: number
/**
 * The written 故障报告单 (cause and fix) is due this many hours after resolution.
 */
report_due_hours?: number
/**
 * Whether a postmortem (复盘) is required or optional at this level.
 */
postmortem?: ("required" | "optional")
}, {
/**
 * Level number; policies/sla.yaml most_severe says whether 1 or 4 is the worst.
 */
level: number
/**
 * Name, e.g. 一级（特大）.
 */
name: string
/**
 * When an incident is of this level.
 */
description?: string
/**
 * Acknowledge (接收) and start analysing within this many minutes of the report.
 */
acknowledge_minutes: number
/**
 * Target from report to resolution.
 */
resolve_minutes: number
/**
 * When not resolved after this long, escalate to escalate_to (technical engineers, second line).
 */
escalate_after_minutes: number
/**
 * People or teams to escalate to.
 * 
 * Items: Person or team id.
 */
escalate_to?: string[]
/**
 * Status update cadence while open.
 */
update_every_minutes?: number
/**
 * The engineer reports to the supervisor (运维主管) within this many minutes of the report.
 */
report_to_supervisor_minutes?: number
/**
 * The supervisor reports to leadership (相关领导) within this many minutes of the report. Omit when this level needs no leadership report.
 */
leadership_minutes?: number
/**
 * How the supervisor must report to leadership (default phone or in person).
 * 
 * @minItems 1
 * 
 * Items: Way.
 */
leadership_by?: [("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"), ...(("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"))[]]
/**
 * Calling a third-party vendor (第三方技术部门): when_needed (the engineer decides) or not_expected.
 */
vendor?: ("when_needed" | "not_expected")
/**
 * Feedback (反馈) to the reporter within this many minutes of resolution (default: by the report deadline).
 */
feedback_minutes?: number
/**
 * The written 故障报告单 (cause and fix) is due this many hours after resolution.
 */
report_due_hours?: number
/**
 * Whether a postmortem (复盘) is required or optional at this level.
 */
postmortem?: ("required" | "optional")
}, {
/**
 * Level number; policies/sla.yaml most_severe says whether 1 or 4 is the worst.
 */
level: number
/**
 * Name, e.g. 一级（特大）.
 */
name: string
/**
 * When an incident is of this level.
 */
description?: string
/**
 * Acknowledge (接收) and start analysing within this many minutes of the report.
 */
acknowledge_minutes: number
/**
 * Target from report to resolution.
 */
resolve_minutes: number
/**
 * When not resolved after this long, escalate to escalate_to (technical engineers, second line).
 */
escalate_after_minutes: number
/**
 * People or teams to escalate to.
 * 
 * Items: Person or team id.
 */
escalate_to?: string[]
/**
 * Status update cadence while open.
 */
update_every_minutes?: number
/**
 * The engineer reports to the supervisor (运维主管) within this many minutes of the report.
 */
report_to_supervisor_minutes?: number
/**
 * The supervisor reports to leadership (相关领导) within this many minutes of the report. Omit when this level needs no leadership report.
 */
leadership_minutes?: number
/**
 * How the supervisor must report to leadership (default phone or in person).
 * 
 * @minItems 1
 * 
 * Items: Way.
 */
leadership_by?: [("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"), ...(("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"))[]]
/**
 * Calling a third-party vendor (第三方技术部门): when_needed (the engineer decides) or not_expected.
 */
vendor?: ("when_needed" | "not_expected")
/**
 * Feedback (反馈) to the reporter within this many minutes of resolution (default: by the report deadline).
 */
feedback_minutes?: number
/**
 * The written 故障报告单 (cause and fix) is due this many hours after resolution.
 */
report_due_hours?: number
/**
 * Whether a postmortem (复盘) is required or optional at this level.
 */
postmortem?: ("required" | "optional")
}, {
/**
 * Level number; policies/sla.yaml most_severe says whether 1 or 4 is the worst.
 */
level: number
/**
 * Name, e.g. 一级（特大）.
 */
name: string
/**
 * When an incident is of this level.
 */
description?: string
/**
 * Acknowledge (接收) and start analysing within this many minutes of the report.
 */
acknowledge_minutes: number
/**
 * Target from report to resolution.
 */
resolve_minutes: number
/**
 * When not resolved after this long, escalate to escalate_to (technical engineers, second line).
 */
escalate_after_minutes: number
/**
 * People or teams to escalate to.
 * 
 * Items: Person or team id.
 */
escalate_to?: string[]
/**
 * Status update cadence while open.
 */
update_every_minutes?: number
/**
 * The engineer reports to the supervisor (运维主管) within this many minutes of the report.
 */
report_to_supervisor_minutes?: number
/**
 * The supervisor reports to leadership (相关领导) within this many minutes of the report. Omit when this level needs no leadership report.
 */
leadership_minutes?: number
/**
 * How the supervisor must report to leadership (default phone or in person).
 * 
 * @minItems 1
 * 
 * Items: Way.
 */
leadership_by?: [("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"), ...(("phone" | "in_person" | "dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github" | "email" | "sms"))[]]
/**
 * Calling a third-party vendor (第三方技术部门): when_needed (the engineer decides) or not_expected.
 */
vendor?: ("when_needed" | "not_expected")
/**
 * Feedback (反馈) to the reporter within this many minutes of resolution (default: by the report deadline).
 */
feedback_minutes?: number
/**
 * The written 故障报告单 (cause and fix) is due this many hours after resolution.
 */
report_due_hours?: number
/**
 * Whether a postmortem (复盘) is required or optional at this level.
 */
postmortem?: ("required" | "optional")
}]
/**
 * How monitoring alerts (Prometheus Alertmanager webhook, version 4) become incidents.
 */
alerts?: {
/**
 * Alert label that decides the level, e.g. severity.
 */
level_label: string
/**
 * Label value → incident level, in this file's numbering.
 */
levels: {
/**
 * Level.
 */
[k: string]: number | undefined
}
/**
 * Level when the label is missing or not mapped.
 */
default_level: number
/**
 * Label naming the host (default instance); matched to inventory ids, addresses and host names, port stripped.
 */
instance_label?: string
/**
 * Annotation used as the incident title (default summary).
 */
title_annotation?: string
/**
 * Rota rotation whose person on duty at the alert's start becomes reporter and handler (default: the first rotation).
 */
rotation?: string
}
/**
 * How opsgate incidents watch notifies: channels, who is who on each channel, retries.
 */
notify?: {
/**
 * Notification channels. Secrets are named by environment variable, never written here.
 * 
 * @minItems 1
 * 
 * Items: One channel.
 */
channels: [({
/**
 * Channel id, used in records.
 */
id: string
/**
 * Channel type.
 */
type: ("dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github")
/**
 * Environment variable holding the webhook URL (it carries the robot's token). Not for github.
 */
url_env?: string
/**
 * Environment variable holding the signing secret (DingTalk 加签, Feishu 签名校验, generic webhook HMAC).
 */
secret_env?: string
/**
 * DingTalk/Feishu custom keyword the robot requires in every message.
 */
keyword?: string
/**
 * Only incidents of these levels (default all).
 * 
 * Items: Level.
 */
levels?: number[]
/**
 * Only these duties (default all).
 * 
 * Items: Duty.
 */
duties?: ("open" | "acknowledge" | "supervisor" | "leadership" | "escalation" | "update" | "feedback" | "report" | "postmortem" | "verification")[]
} & {
/**
 * Channel id, used in records.
 */
id: string
/**
 * Channel type.
 */
type: ("dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github")
/**
 * Environment variable holding the webhook URL (it carries the robot's token). Not for github.
 */
url_env?: string
/**
 * Environment variable holding the signing secret (DingTalk 加签, Feishu 签名校验, generic webhook HMAC).
 */
secret_env?: string
/**
 * DingTalk/Feishu custom keyword the robot requires in every message.
 */
keyword?: string
/**
 * Only incidents of these levels (default all).
 * 
 * Items: Level.
 */
levels?: number[]
/**
 * Only these duties (default all).
 * 
 * Items: Duty.
 */
duties?: ("open" | "acknowledge" | "supervisor" | "leadership" | "escalation" | "update" | "feedback" | "report" | "postmortem" | "verification")[]
}), ...(({
/**
 * Channel id, used in records.
 */
id: string
/**
 * Channel type.
 */
type: ("dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github")
/**
 * Environment variable holding the webhook URL (it carries the robot's token). Not for github.
 */
url_env?: string
/**
 * Environment variable holding the signing secret (DingTalk 加签, Feishu 签名校验, generic webhook HMAC).
 */
secret_env?: string
/**
 * DingTalk/Feishu custom keyword the robot requires in every message.
 */
keyword?: string
/**
 * Only incidents of these levels (default all).
 * 
 * Items: Level.
 */
levels?: number[]
/**
 * Only these duties (default all).
 * 
 * Items: Duty.
 */
duties?: ("open" | "acknowledge" | "supervisor" | "leadership" | "escalation" | "update" | "feedback" | "report" | "postmortem" | "verification")[]
} & {
/**
 * Channel id, used in records.
 */
id: string
/**
 * Channel type.
 */
type: ("dingtalk" | "wecom" | "feishu" | "slack" | "webhook" | "github")
/**
 * Environment variable holding the webhook URL (it carries the robot's token). Not for github.
 */
url_env?: string
/**
 * Environment variable holding the signing secret (DingTalk 加签, Feishu 签名校验, generic webhook HMAC).
 */
secret_env?: string
/**
 * DingTalk/Feishu custom keyword the robot requires in every message.
 */
keyword?: string
/**
 * Only incidents of these levels (default all).
 * 
 * Items: Level.
 */
levels?: number[]
/**
 * Only these duties (default all).
 * 
 * Items: Duty.
 */
duties?: ("open" | "acknowledge" | "supervisor" | "leadership" | "escalation" | "update" | "feedback" | "report" | "postmortem" | "verification")[]
}))[]]
/**
 * Person id → their user ids on the chat platforms, for @-mentions.
 */
handles?: {
/**
 * One person's handles.
 */
[k: string]: {
/**
 * DingTalk userId (atUserIds).
 */
dingtalk?: string
/**
 * WeCom userid (mentioned_list).
 */
wecom?: string
/**
 * Feishu open_id (<at user_id>).
 */
feishu?: string
/**
 * Slack member id (<@U…>).
 */
slack?: string
} | undefined
}
/**
 * Per-request timeout (default 10).
 */
timeout_seconds?: number
/**
 * Attempts per notification and run, with exponential back-off (default 3).
 */
attempts?: number
/**
 * First back-off wait; doubled each attempt, or the robot's Retry-After (default 2).
 */
backoff_seconds?: number
}
}
