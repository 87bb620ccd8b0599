/**
 * The commits a large record file cites, found in its bytes: the search of
 * citedCommitsInText (records/cited-commits.ts) run over the file read as
 * Latin-1, where every ASCII character sits at its byte offset and no byte of
 * a multi-byte character can match the ASCII pattern or a field name that
 * cites a commit; only the lines found are decoded as UTF-8 and parsed. The
 * same citations as citedCommitsInText over the decoded text (a test holds
 * them to it), without turning the whole file into a UTF-16 string. Pure.
 */
import { citedCommitsInText, type CommitCitation } from '../../records/cited-commits.ts';

export function citedCommitsInBytes(file: string, bytes: Buffer): CommitCitation[] {
  return citedCommitsInText(file, bytes.toString('latin1'), (start, end) => bytes.toString('utf8', start, end));
}
