import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { checkAccess } from './access-rules.ts';
import { checkBaselineCoverage } from './baseline-coverage-rules.ts';
import { checkBackupConvergence } from './backup-converge-rules.ts';
import { checkOfficialCalendar } from './calendar-official.ts';
import { checkCalendarZone, loaderZoneProblem, zoneTold } from './calendar-zone.ts';
import { checkAdvisories } from './advisory-rules.ts';
import { checkBackupPrechecks, checkBackupVerification } from './backup-rules.ts';
import { checkBackupSecrets } from './backup-secret-rules.ts';
import { checkBackupVerifySchedule } from './backup-schedule-rules.ts';
import { checkChanges, repoPathsOf } from './change-rules.ts';
import { checkContacts } from './contact-rules.ts';
import { checkGateAssumptions } from './gate-rules.ts';
import { checkHandovers } from './handover-rules.ts';
import { checkNotifyChannels } from './notify-rules.ts';
import { checkIncidentDuties, checkSlaDuties } from './incident-rules.ts';
import { checkOncall, checkRecords } from './record-rules.ts';
import { checkReferences } from './references.ts';
import { checkReviews } from './review-rules.ts';
import type { Rule, RuleInput } from './rule-context.ts';
import { singletonFileOf } from './singleton-file.ts';

/**
 * Every governance rule lint runs, in order. Each is pure; one failing rule never hides another. `zone`: the rule
 * computes with the calendar's time zone, and does not run when the calendar gives none (calendar-zone.ts).
 */
export const RULES: readonly { name: string; rule: Rule; zone?: true }[] = [
  { name: 'calendar-zone', rule: checkCalendarZone },
  { name: 'references', rule: checkReferences },
  { name: 'changes', rule: checkChanges, zone: true },
  { name: 'access', rule: checkAccess, zone: true },
  { name: 'records', rule: checkRecords },
  { name: 'backup-verification', rule: checkBackupVerification },
  { name: 'backup-prechecks', rule: checkBackupPrechecks },
  { name: 'backup-verify-schedule', rule: checkBackupVerifySchedule },
  { name: 'advisories', rule: checkAdvisories, zone: true },
  { name: 'baseline-coverage', rule: checkBaselineCoverage },
  { name: 'oncall', rule: checkOncall, zone: true },
  { name: 'reviews', rule: checkReviews },
  { name: 'incidents', rule: checkIncidentDuties, zone: true },
  { name: 'sla', rule: checkSlaDuties },
  { name: 'contacts', rule: checkContacts, zone: true },
  { name: 'handovers', rule: checkHandovers, zone: true },
  { name: 'notify-channels', rule: checkNotifyChannels },
  { name: 'gate', rule: checkGateAssumptions },
  { name: 'official-calendar', rule: checkOfficialCalendar, zone: true },
  { name: 'backup-convergence', rule: checkBackupConvergence },
  { name: 'backup-secrets', rule: checkBackupSecrets },
];

/** Loader diagnostics plus every rule's, sorted by place. A rule that throws becomes a diagnostic. Pure. */
export function lintRepo(input: RuleInput): Diagnostic[] {
  // A timezone that is not a string is calendar.timezone-invalid (checkCalendarZone), not also the schema's finding.
  const replaced = loaderZoneProblem(input.repo);
  const out: Diagnostic[] = replaced ? input.repo.diagnostics.filter((d) => d !== replaced) : [...input.repo.diagnostics];
  const told = zoneTold(input.repo);
  if (!told) out.push(rulesNotRun(input.repo));
  for (const { name, rule, zone } of RULES) {
    if (zone && !told) continue;
    try {
      // One at a time: a spread push of more than ~120k findings overflows the stack and lost them all.
      for (const d of rule(input)) out.push(d);
    } catch (e) {
      out.push({
        code: 'internal.rule-failed',
        severity: 'error',
        file: '.',
        line: 1,
        col: 1,
        message: `rule '${name}' failed: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'this is a bug in opsgate; please report it with the document that triggered it',
      });
    }
  }
  return sortByPlace(out);
}

/**
 * `lint.rules-not-run`: the rules that compute with the calendar's time zone did not run, because the calendar gives
 * none. An error of its own, not only the calendar's: a pull request is answerable for it wherever the calendar broke
 * (git-changes.ts keeps it), so no change passes lint unjudged by rules that did not run. Pure.
 */
function rulesNotRun(repo: RuleInput['repo']): Diagnostic {
  const skipped = RULES.filter((r) => r.zone).map((r) => r.name);
  return diagnostic(
    'lint.rules-not-run',
    { file: singletonFileOf(repo, 'calendar'), line: 1, col: 1 },
    `these rules did not run, because the calendar gives no time zone to compute with: ${skipped.join(', ')}`,
    { hint: "fix the calendar's timezone (an IANA name such as Europe/Berlin or Asia/Shanghai) and the problems lint reports in the calendar; then they run again" },
  );
}

/**
 * `ds.sort(compareDiagnostics)`, in place, with the same order: each distinct file and code is
 * collated (localeCompare) once and given a rank, and the sort compares ranks. Thousands of
 * findings on a few hundred files cost a localeCompare per comparison before. Pure.
 */
export function sortByPlace(ds: Diagnostic[]): Diagnostic[] {
  if (ds.length < 2) return ds;
  const file = collationRanks(ds, (d) => d.file);
  const code = collationRanks(ds, (d) => d.code);
  return ds.sort((a, b) => file.get(a.file)! - file.get(b.file)! || a.line - b.line || a.col - b.col || code.get(a.code)! - code.get(b.code)!);
}

/** Each distinct value's place in localeCompare order; values that localeCompare calls equal share a place. */
function collationRanks(ds: readonly Diagnostic[], value: (d: Diagnostic) => string): Map<string, number> {
  const distinct = [...new Set(ds.map(value))].sort((a, b) => a.localeCompare(b));
  const rank = new Map<string, number>();
  let r = 0;
  for (let k = 0; k < distinct.length; k++) {
    if (k > 0 && distinct[k - 1]!.localeCompare(distinct[k]!) !== 0) r++;
    rank.set(distinct[k]!, r);
  }
  return rank;
}

/** Repository files that documents reference (upload sources, scripts), for the edge to check. Pure. */
export function referencedRepoFiles(repo: RepoModel): string[] {
  const paths = new Set<string>();
  for (const c of repo.all('change')) {
    for (const s of [...c.data.steps, ...(c.data.rollback ?? [])]) for (const p of repoPathsOf(s)) paths.add(p.path);
  }
  return [...paths];
}
