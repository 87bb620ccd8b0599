/**
 * Edge: the anchors record files carry (a new file's first line holds the
 * line count and head hash of the sibling written before it,
 * scripts/records/anchor.ts) checked with the same pure check `records
 * verify` uses. A chain rewritten with recomputed hashes verifies on its own;
 * against the head its successor recorded, it does not. Only the lines the
 * anchors name are looked up, so a year of records is not held in memory.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkAnchors, type Anchor } from '../records/anchor.ts';
import type { RecordLine } from '../records/chain.ts';
import type { IntegrityProblem } from './types.ts';

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** The hash each of `lineNumbers` (1-based) of a record file claims. Edge. */
async function hashesAt(root: string, rel: string, lineNumbers: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const text = await readFile(path.join(root, rel), 'utf8').catch(() => undefined);
  if (text === undefined) return out;
  const wanted = new Set(lineNumbers);
  let n = 0;
  for (let at = 0; at < text.length && out.size < wanted.size;) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    n++;
    if (wanted.has(n)) {
      const m = HASH_SUFFIX.exec(text.slice(Math.max(at, end - 80), end));
      if (m) out.set(n, m[1]!);
    }
    at = end + 1;
  }
  return out;
}

/** Problems of the anchors found among the record files (`listed`: every record file read). Edge. */
export async function checkRecordAnchors(
  root: string,
  anchors: readonly { path: string; anchor: Anchor }[],
  listed: ReadonlySet<string>,
  tails: readonly { path: string; lines: number; head: string }[] = [],
): Promise<IntegrityProblem[]> {
  if (anchors.length === 0) return [];
  // The files checkAnchors sees: each anchoring file's first line, and the lines of its target that anchors name.
  const files = new Map<string, RecordLine[]>();
  const linesOf = (p: string) => files.get(p) ?? files.set(p, []).get(p)!;
  const wanted = new Map<string, number[]>();
  const tailOf = new Map(tails.map((t) => [t.path, t]));
  for (const { path: p, anchor } of anchors) {
    linesOf(p)[0] = { seq: 1, prev: '', hash: '', at: '', type: '', anchor } as RecordLine;
    const target = `${p.slice(0, p.lastIndexOf('/') + 1)}${anchor.file}`;
    if (anchor.file.includes('/') || !listed.has(target)) continue;
    // The target's last line is the one anchored (it was complete when its successor began): no second read.
    const tail = tailOf.get(target);
    if (tail && tail.lines === anchor.lines && tail.head) {
      const lines = linesOf(target);
      lines[tail.lines - 1] = { ...(lines[tail.lines - 1] ?? { seq: tail.lines, prev: '', at: '', type: '' }), hash: tail.head } as RecordLine;
    } else (wanted.get(target) ?? wanted.set(target, []).get(target)!).push(anchor.lines);
  }
  for (const [target, numbers] of wanted) {
    const lines = linesOf(target);
    for (const [n, hash] of await hashesAt(root, target, numbers)) {
      const existing = lines[n - 1];
      lines[n - 1] = existing ? { ...existing, hash } : ({ seq: n, prev: '', hash, at: '', type: '' } as RecordLine);
    }
  }
  return checkAnchors(files).map((p) => ({ path: p.file, line: p.line, code: p.code, message: p.message }));
}
