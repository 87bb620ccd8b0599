import path from 'node:path';

let lastRoot: string | undefined;
let lastPrefix = '';
/** A segment that path.join would fold: `.` or `..`. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * `path.join(root, rel)`, the same string, for the repository-relative paths lint
 * lists (segments from readdir: never empty, `.` or `..`): the root's normalised
 * form is computed once and the path appended. path.join normalises the whole
 * string on every call, ~15 ms per ten thousand documents on a path lint takes
 * twice per file. Any other `rel` goes through path.join itself. Pure.
 */
export function joinRepoPath(root: string, rel: string): string {
  if (rel.charCodeAt(0) === 47 || rel.includes('//') || DOT_SEGMENT.test(rel)) return path.join(root, rel);
  if (root !== lastRoot) {
    // What path.join puts before a plain last segment: '' for '.', '/' for '/', 'a/' for './a/'.
    lastPrefix = path.join(root, 'x').slice(0, -1);
    lastRoot = root;
  }
  return lastPrefix + rel;
}
