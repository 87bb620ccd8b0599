import { diagnostic, type Diagnostic, type DiagnosticSeverity } from '../model/diagnostic.ts';
import type { AnyDoc } from '../repo/parse-document.ts';
import type { RepoModel } from '../repo/repo-model.ts';

/** What every governance rule receives: the loaded repository, the clock, and facts the edge gathered. */
export interface RuleInput {
  repo: RepoModel;
  now: Date;
  /** Repository-relative paths referenced by documents that exist as files inside the repository. */
  existingFiles: ReadonlySet<string>;
  /** Notification channels that refused for good, by channel id, read from records/notifications/ by the edge; absent when records are not consulted. */
  notificationBlocks?: ReadonlyMap<string, import('../notify/channel-state.ts').ChannelBlock>;
  /** Referenced paths that are links (in any component), outside the repository or not regular files, with why. */
  refusedFiles?: ReadonlyMap<string, string>;
  /** Execution runs per change id, read from records/changes/ by the edge; absent when records are not consulted. */
  changeRuns?: ReadonlyMap<string, readonly import('../repo/read-change-runs.ts').ChangeRun[]>;
  /** The official holiday schedule (chinese-days), read by the edge; absent when it is not consulted. */
  official?: import('../calendar/official.ts').OfficialSchedule;
  /** Restore tests recorded in records/backups/, read by the edge; absent when records are not consulted. */
  backupRestoreTests?: { tests: readonly import('../backup/record.ts').RecordedRestoreTest[]; problems: readonly string[] };
  /** The scheduled `backup verify` runs in .github/workflows/, read by the edge; absent without that folder. */
  backupVerifySchedules?: import('../backup/verify-schedule.ts').ScheduleRead;
}

export type Rule = (input: RuleInput) => Diagnostic[];

/** A diagnostic located at a pointer inside a document. */
export function at(doc: Pick<AnyDoc, 'file' | 'locate'>, pointer: string, code: string, message: string, hint?: string, severity: DiagnosticSeverity = 'error'): Diagnostic {
  return diagnostic(code, { file: doc.file, ...doc.locate(pointer) }, message, { pointer, severity, ...(hint ? { hint } : {}) });
}
