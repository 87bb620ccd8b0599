/** What reading record files gives: normalised records, the files and their problems, and what is checked once every file is read. */
import type { Anchor } from '../records/anchor.ts';
import type { CommitCitation } from '../records/cited-commits.ts';
import type { HistoryProblem } from '../records/history.ts';
import type { IntegrityProblem, RecordFileInfo, ReportInput } from './types.ts';

export interface RecordsPart {
  gateDecisions: ReportInput['gateDecisions'];
  executions: ReportInput['executions'];
  inspections: ReportInput['inspections'];
  backups: ReportInput['backups'];
  converge: ReportInput['converge'];
  recordFiles: RecordFileInfo[];
  integrity: IntegrityProblem[];
  /** Record files against their git history. */
  history: HistoryProblem[];
  /** First lines that anchor the head of a sibling file (scripts/records/anchor.ts), checked once every file is read. */
  anchors: { path: string; anchor: Anchor }[];
  /** Each file's line count and the hash its last line claims: most anchors name exactly that, so nothing is read again. */
  tails: { path: string; lines: number; head: string }[];
  /** Every commit a used record line cites, checked against git once every file is read (scripts/records/check-cited-commits.ts). */
  citations: CommitCitation[];
}

export function emptyRecordsPart(): RecordsPart {
  return { gateDecisions: [], executions: [], inspections: [], backups: [], converge: [], recordFiles: [], integrity: [], history: [], anchors: [], tails: [], citations: [] };
}
