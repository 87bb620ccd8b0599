/**
 * Chain heads anchored in the next record (ARCHITECTURE.md, "Evidence"): when
 * a writer starts a new record file, its first line carries `anchor: {file,
 * lines, head}` — the sibling file written before it (the previous name in the
 * same directory) and the hash of that file's last line at that moment. A chain
 * rewritten later with recomputed hashes still verifies on its own, but no
 * longer matches the head its successor recorded. Git history is the second
 * anchor (history.ts). Pure.
 */
import type { RecordLine } from './chain.ts';

export interface Anchor {
  /** File name of the sibling, in the same directory. */
  file: string;
  /** How many lines it had. */
  lines: number;
  /** The hash of its last line then. */
  head: string;
}

export interface AnchorProblem {
  file: string;
  line: number;
  code: 'record.anchor';
  message: string;
}

export function anchorOf(first: RecordLine | undefined): Anchor | undefined {
  const a = first?.anchor as Partial<Anchor> | undefined;
  return a && typeof a.file === 'string' && typeof a.lines === 'number' && typeof a.head === 'string' ? { file: a.file, lines: a.lines, head: a.head } : undefined;
}

/** Every anchor among `files` (directory-relative path → verified lines) checked against the file it names. */
export function checkAnchors(files: ReadonlyMap<string, readonly RecordLine[]>): AnchorProblem[] {
  const out: AnchorProblem[] = [];
  for (const [file, lines] of files) {
    const a = anchorOf(lines[0]);
    if (!a) continue;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    const target = `${dir}${a.file}`;
    if (a.file.includes('/') || a.file.startsWith('.')) { out.push({ file, line: 1, code: 'record.anchor', message: `the anchor names '${a.file}', which is not a sibling file` }); continue; }
    const other = files.get(target);
    if (!other) { out.push({ file, line: 1, code: 'record.anchor', message: `${target} (${a.lines} lines when this file began) is gone` }); continue; }
    const at = other[a.lines - 1];
    if (!at || at.hash !== a.head) out.push({ file: target, line: Math.min(a.lines, Math.max(other.length, 1)), code: 'record.anchor', message: `its first ${a.lines} lines no longer end in the hash ${a.head.slice(0, 12)}… that ${file.slice(dir.length)} recorded when it began: the chain was rewritten` });
  }
  return out;
}

/** The sibling a new file anchors to: the previous name in its directory (names sort by time for runs and months). */
export function previousSibling(names: readonly string[], name: string): string | undefined {
  return [...names].filter((n) => n.endsWith('.jsonl') && n < name).sort().at(-1);
}
