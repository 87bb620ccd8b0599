/**
 * The commits a large record file cites, found in its bytes: the search of
 * citedCommitsInText (records/cited-commits.ts) run over the file read as
 * Latin-1, where every ASCII character sits at its byte offset and no byte of
 * a multi-byte character can match the ASCII pattern or a field name that
 * cites a commit; only the lines found are decoded as UTF-8 and parsed. The
 * same citations as citedCommitsInText over the decoded text (a test holds
 * them to it), without turning the whole file into a UTF-16 string. Pure.
 */
import { citedCommits, citesCommit, type CommitCitation } from '../../records/cited-commits.ts';
import type { RecordLine } from '../../records/chain.ts';

const CANDIDATE = /":"[0-9a-f]{40}"/g;

export function citedCommitsInBytes(file: string, bytes: Buffer): CommitCitation[] {
  const text = bytes.toString('latin1');
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
      out.push(...citedCommits(file, [JSON.parse(bytes.toString('utf8', start, after)) as RecordLine]));
    } catch {
      // not JSON: the verifier names the line
    }
  }
  return out;
}
