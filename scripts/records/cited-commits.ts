/**
 * Evidence cites only what exists (ARCHITECTURE.md, "Evidence"): the commits a
 * record names — the head a gate decision judged, the base and policy commit it
 * read, the commit a review was given on, the commit a run applied — must be
 * commits an auditor can open. This module finds the citations (pure); the
 * lookup in git is `commit-lookup.ts`.
 *
 * A field cites a commit when its name says so (`commit`, `commit_id`,
 * `head_sha`, `base_sha`, `merge_commit_sha`, `*_commit`) and its value is a
 * full 40-hex object id. Blob and tree ids (`file_sha`, `tree_sha`, `sha` of a
 * file) are not commits and are not judged here; record hashes are 64-hex.
 */
import type { RecordLine } from './chain.ts';
import { appendAll } from '../model/append.ts';

export interface CommitCitation {
  file: string;
  line: number;
  /** Where in the record: `head_sha`, `reviews[2].commit_id`. */
  field: string;
  sha: string;
}

const COMMIT_FIELDS = new Set(['commit', 'commit_id', 'commit_sha', 'head_sha', 'base_sha', 'merge_commit_sha', 'after_sha', 'before_sha']);
const OBJECT_ID = /^[0-9a-f]{40}$/;

/** True when a field of this name holds a commit id. Pure. */
export function citesCommit(key: string): boolean {
  return COMMIT_FIELDS.has(key) || (key.endsWith('_commit') && !/blob|tree/.test(key));
}

function walk(value: unknown, where: string, visit: (field: string, sha: string) => void): void {
  if (Array.isArray(value)) { value.forEach((v, i) => walk(v, `${where}[${i}]`, visit)); return; }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = where ? `${where}.${k}` : k;
    if (typeof v === 'string') { if (citesCommit(k) && OBJECT_ID.test(v)) visit(field, v); }
    else walk(v, field, visit);
  }
}

/** Every commit the verified lines of one record file cite, in line order. Pure. */
export function citedCommits(file: string, lines: readonly RecordLine[]): CommitCitation[] {
  const out: CommitCitation[] = [];
  for (const l of lines) walk(l, '', (field, sha) => out.push({ file, line: l.seq, field, sha }));
  return out;
}

/** A string value of exactly 40 hex digits: a literal prefix the regex engine skips to quickly (a line hash has 64). */
const CANDIDATE = /":"[0-9a-f]{40}"/g;

/**
 * The same citations found in a record file's text without parsing every line
 * (the report's fast path for large inspection files): only lines that hold a
 * commit-named field with a 40-hex value are parsed. Lines that do not parse
 * are left to the chain verifier. `lineText` reads a line back (the report's
 * byte search decodes it from the file's bytes). Pure.
 */
export function citedCommitsInText(file: string, text: string, lineText: (start: number, end: number) => string = (start, end) => text.slice(start, end)): CommitCitation[] {
  const out: CommitCitation[] = [];
  let after = -1;
  for (const m of text.matchAll(CANDIDATE)) {
    if (m.index < after) continue;
    const key = text.slice(text.lastIndexOf('"', m.index - 1) + 1, m.index);
    if (!citesCommit(key)) continue;
    const start = text.lastIndexOf('\n', m.index) + 1;
    const nl = text.indexOf('\n', m.index);
    after = nl < 0 ? text.length : nl;
    try {
      appendAll(out, citedCommits(file, [JSON.parse(lineText(start, after)) as RecordLine]));
    } catch {
      // not JSON: the verifier names the line
    }
  }
  return out;
}
