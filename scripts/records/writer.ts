import { mkdir, open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { IntegrityError } from '../model/errors.ts';
import { previousSibling, type Anchor } from './anchor.ts';
import { GENESIS, renderRecordLine, verifyChain, type RecordLine } from './chain.ts';

export interface RecordEvent {
  at: string;
  type: string;
  [key: string]: unknown;
}

/**
 * Appends events to one hash-chained JSON Lines file. Each append is written
 * and fsync'ed before it returns, so an event written before a side effect is
 * on disk before the side effect starts. Opening a file whose chain is broken
 * is refused: evidence is never appended onto a tampered record.
 */
export class RecordWriter {
  private constructor(
    readonly file: string,
    private handle: import('node:fs/promises').FileHandle,
    private head: string,
    private seq: number,
    private anchor?: Anchor,
  ) {}

  static async open(file: string): Promise<RecordWriter> {
    await mkdir(path.dirname(file), { recursive: true });
    let head = GENESIS;
    let seq = 0;
    const existing = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    if (existing) {
      const v = verifyChain(existing);
      if (!v.ok) {
        const p = v.problems[0]!;
        throw new IntegrityError(file, `refusing to append to ${file}: ${p.message} (run 'opsgate records verify')`);
      }
      head = v.head;
      seq = v.lines.length;
    }
    // A new file's first line anchors the head of the sibling written before it (anchor.ts).
    let anchor: Anchor | undefined;
    if (!existing) {
      const prev = previousSibling(await readdir(path.dirname(file)).catch(() => [] as string[]), path.basename(file));
      const v = prev ? verifyChain(await readFile(path.join(path.dirname(file), prev), 'utf8').catch(() => '')) : undefined;
      if (prev && v?.ok && v.lines.length > 0) anchor = { file: prev, lines: v.lines.length, head: v.head };
    }
    const handle = await open(file, 'a');
    return new RecordWriter(file, handle, head, seq, anchor);
  }

  /** Writes one event and flushes it to disk; returns the line as written. */
  async append(event: RecordEvent): Promise<RecordLine> {
    const { text, hash } = renderRecordLine(this.head, this.seq + 1, this.seq === 0 && this.anchor ? { ...event, anchor: this.anchor } : event);
    await this.handle.write(text + '\n');
    await this.handle.datasync();
    this.seq += 1;
    this.head = hash;
    return JSON.parse(text) as RecordLine;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Reads and verifies one record file. */
export async function readRecordFile(file: string) {
  return verifyChain(await readFile(file, 'utf8'));
}
