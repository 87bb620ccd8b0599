/**
 * Adapter for records/converge/access/<run>.jsonl (scripts/converge/run-access.ts):
 * `converge.done` lines carry the host's report, whose `keys-remove` entries
 * name the authorized_keys line taken off an account. The report needs the
 * removals (when a key stopped being present); the key's fingerprint is
 * computed as ssh-keygen does, so it can be matched to a person's pinned key.
 * The only file that knows this layout. Pure.
 */
import { fingerprintOf } from '../../rules/access-rules.ts';
import type { ConvergeRemoval } from '../types.ts';
import { lineRefOf } from './inspection-records.ts';

type Line = Record<string, unknown>;

export function adaptConvergeRecord(path: string, lines: readonly Line[]): ConvergeRemoval[] {
  const out: ConvergeRemoval[] = [];
  const run = lines.find((l) => l.type === 'run.planned');
  const runId = typeof run?.run === 'string' ? run.run : path.replace(/^.*\//, '').replace(/\.jsonl$/, '');
  lines.forEach((l, i) => {
    if (l.type !== 'converge.done' || typeof l.host !== 'string' || !Array.isArray(l.report)) return;
    for (const entry of l.report as Line[]) {
      if (entry?.type !== 'keys-remove' || typeof entry.account !== 'string') continue;
      const key = typeof entry.line === 'string' ? entry.line : '';
      out.push({
        path,
        line: lineRefOf(l, i),
        run: runId,
        at: String(l.at),
        host: l.host,
        account: entry.account,
        fingerprint: typeof entry.fingerprint === 'string' ? entry.fingerprint : fingerprintOf(key),
      });
    }
  });
  return out;
}
