/**
 * `records verify`'s commit check: every commit a record cites is named when
 * an auditor could not open it. Joins the pure citation finder with the git
 * lookup and words the findings; a shallow clone turns a miss into a notice
 * (the commit may lie outside the fetched depth), never a silent pass.
 */
import type { RecordLine } from './chain.ts';
import { citedCommits, type CommitCitation } from './cited-commits.ts';
import { HISTORY_BUNDLES_DIR, lookUpCommits, type CommitLookup } from './commit-lookup.ts';

export interface CitedCommitFinding {
  file: string;
  line: number;
  code: 'record.commit-missing' | 'record.history-bundle';
  severity: 'error' | 'notice';
  message: string;
}

export interface CitedCommitSummary { cited: number; found: number; in_bundles: number; bundles: string[] }

/** Words the lookup's outcome for each citation. Pure. */
export function judgeCitations(citations: readonly CommitCitation[], lookup: CommitLookup): CitedCommitFinding[] {
  const out: CitedCommitFinding[] = [];
  for (const u of lookup.unreadable) out.push({ file: u.bundle, line: 1, code: 'record.history-bundle', severity: 'error', message: `the history bundle cannot be read (${u.reason}); commits cited from it cannot be opened` });
  for (const c of citations) {
    if (lookup.found.has(c.sha)) continue;
    out.push(lookup.shallow
      ? { file: c.file, line: c.line, code: 'record.commit-missing', severity: 'notice', message: `${c.field} cites commit ${c.sha.slice(0, 12)}, not in this shallow clone (fetch the full history to check it)` }
      : { file: c.file, line: c.line, code: 'record.commit-missing', severity: 'error', message: `${c.field} cites commit ${c.sha.slice(0, 12)}, which is in neither this repository's history nor a bundle in ${HISTORY_BUNDLES_DIR}/` });
  }
  return out;
}

/** Checks the citations of verified record files (path → lines) against git. No git work tree: nothing checked, no summary. */
export async function checkCitedCommits(root: string, files: ReadonlyMap<string, readonly RecordLine[]>): Promise<{ findings: CitedCommitFinding[]; summary?: CitedCommitSummary }> {
  return checkCitations(root, [...files].flatMap(([file, lines]) => citedCommits(file, lines)));
}

/**
 * The same check for citations already collected (the report finds them while
 * it adapts each record file, and does not keep the lines). Edge.
 */
export async function checkCitations(root: string, citations: readonly CommitCitation[]): Promise<{ findings: CitedCommitFinding[]; summary?: CitedCommitSummary }> {
  const lookup = await lookUpCommits(root, citations.map((c) => c.sha));
  if (!lookup) return { findings: [] };
  const ids = new Set(citations.map((c) => c.sha));
  const summary: CitedCommitSummary = {
    cited: ids.size,
    found: [...ids].filter((id) => lookup.found.has(id)).length,
    in_bundles: [...ids].filter((id) => lookup.inBundle.has(id)).length,
    bundles: [...new Set(lookup.inBundle.values())].sort(),
  };
  return { findings: judgeCitations(citations, lookup), summary };
}
