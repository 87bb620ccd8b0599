/**
 * A run's evidence file, for apply and converge alike: one writer, appends
 * serialised (hosts run in parallel), every event redacted before it is
 * written; and the run id that names the file. Edge.
 */
import { randomBytes } from 'node:crypto';
import { redactDeep } from '../ssh/redact.ts';
import { RecordWriter } from '../records/writer.ts';

export interface Recorder {
  readonly file: string;
  event(type: string, payload: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A run id: its start second and a random suffix. Runs are ordered by id (listRuns), so a new id must sort
 * after every existing run of the change (`after`), even when two runs start within one second or an earlier
 * run's clock was ahead: then the label is one second after the latest run's. The record's `at` keeps the true time.
 */
export function newRunId(now: Date, after: readonly string[] = []): string {
  const suffix = randomBytes(3).toString('hex');
  const last = after.reduce((m, r) => (r > m ? r : m), '');
  const id = `${runStamp(now.getTime())}-${suffix}`;
  if (id > last) return id;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(last);
  const t = m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`) : NaN;
  return Number.isFinite(t) ? `${runStamp(t + 1000)}-${suffix}` : `${last}-${suffix}`;
}

function runStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export async function openRecorder(file: string, options: { now: () => Date; secrets: readonly string[]; onEvent?: (e: Record<string, unknown>) => void }): Promise<Recorder> {
  const writer = await RecordWriter.open(file);
  let tail: Promise<unknown> = Promise.resolve();
  return {
    file,
    event(type, payload) {
      const e = redactDeep({ at: options.now().toISOString(), type, ...payload }, options.secrets);
      const p = tail.then(() => writer.append(e));
      tail = p.catch(() => {});
      return p.then(() => options.onEvent?.(e));
    },
    async close() {
      await tail;
      await writer.close();
    },
  };
}
