import type { Scm, TreeEntry } from '../github/scm.ts';
import type { GateProblem } from './types.ts';

/** The base and head trees of a pull request, listed together. Edge. */
export async function readTrees(scm: Scm, baseSha: string, headSha: string) {
  const [base, head] = await Promise.all([scm.listTreeAtRef(baseSha), scm.listTreeAtRef(headSha)]);
  return { base, head };
}

const REGULAR = new Set(['100644', '100755']);

/**
 * Reads files of one commit by the blob its tree lists: never through a link
 * (a link's blob is its target, not content), never by path (the contents API
 * follows links inside the repository). A path the tree lists but that cannot
 * be read, or that is a link or a submodule, is a problem, so the gate fails
 * closed; a path the tree does not list is absent, unless the listing is
 * truncated: then it is unknown, and a problem too. Edge.
 */
export class TreeReader {
  private readonly entries: Map<string, TreeEntry>;
  /** GitHub cut the listing short: a path it does not list may exist all the same. */
  readonly truncated: boolean;
  private readonly cut = new Set<string>();

  constructor(
    private readonly scm: Scm,
    tree: { entries: TreeEntry[]; truncated?: boolean },
    private readonly side: 'base' | 'head',
    private readonly problems: GateProblem[],
    private readonly cache: Map<string, Promise<string | undefined>> = new Map(),
  ) {
    this.entries = new Map(tree.entries.map((e) => [e.path, e]));
    this.truncated = tree.truncated === true;
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** The blob of a regular file, undefined when absent, null when it is a link or submodule. */
  blob(path: string): string | null | undefined {
    const e = this.entries.get(path);
    if (!e) return undefined;
    return REGULAR.has(e.mode) ? e.sha : null;
  }

  /** Regular files whose path matches. */
  under(re: RegExp): string[] {
    return [...this.entries.values()].filter((e) => REGULAR.has(e.mode) && re.test(e.path)).map((e) => e.path);
  }

  /** Records a problem when `path` is a link or a submodule here; true when it is. */
  refuseLink(path: string, why = 'a changed file'): boolean {
    const e = this.entries.get(path);
    if (!e || REGULAR.has(e.mode)) return false;
    const what = e.mode === '120000' ? 'a symbolic link' : e.mode === '160000' ? 'a submodule' : `of git mode ${e.mode}`;
    this.problems.push({ code: 'gate.link', file: path, message: `${path} (${why}) is ${what} at ${this.side}; opsgate never follows links or reads submodules: commit the file itself` });
    return true;
  }

  async read(path: string): Promise<string | undefined> {
    const e = this.entries.get(path);
    if (!e) {
      // Not listed in a cut listing is not absent: the file may be in the part GitHub left out.
      if (this.truncated && !this.cut.has(path)) {
        this.cut.add(path);
        this.problems.push({
          code: 'gate.tree-truncated',
          file: path,
          message: `${path} is not in the part of the ${this.side} tree GitHub listed (the listing is truncated), so whether it exists and what it holds cannot be known; failing closed`,
        });
      }
      return undefined;
    }
    if (!REGULAR.has(e.mode)) {
      this.refuseLink(path, 'read by the gate');
      return undefined;
    }
    let p = this.cache.get(e.sha);
    if (!p) {
      p = this.scm.readBlob(e.sha);
      this.cache.set(e.sha, p);
    }
    const text = await p;
    if (text === undefined) this.problems.push({ code: 'gate.unreadable', file: path, message: `${path} is in the ${this.side} tree (blob ${e.sha.slice(0, 12)}) but cannot be read; failing closed` });
    return text;
  }

  /** Reads several files, at most 8 at a time. Absent and unreadable ones are left out (unreadable ones are problems). */
  async readMany(paths: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const f = paths[next++]!;
        const text = await this.read(f);
        if (text !== undefined) out.set(f, text);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, paths.length) }, worker));
    return out;
  }
}
