import type { Diagnostic } from '../model/diagnostic.ts';
import type { DocumentKind } from './kinds.ts';
import type { AnyDoc, Doc } from './parse-document.ts';

/** The loaded repository: every valid document, indexed, plus the diagnostics found while loading. */
export class RepoModel {
  private readonly kinds = new Map<DocumentKind, Doc[]>();
  private readonly ids = new Map<string, Doc>();

  constructor(
    readonly root: string,
    readonly documents: readonly AnyDoc[],
    readonly diagnostics: readonly Diagnostic[],
    /** Repository-relative paths of every file seen under the document folders (also invalid ones). */
    readonly files: ReadonlySet<string> = new Set(),
  ) {
    for (const d of documents) {
      const list = this.kinds.get(d.kind) ?? [];
      list.push(d);
      this.kinds.set(d.kind, list);
      const key = `${d.kind}:${d.id}`;
      if (!this.ids.has(key)) this.ids.set(key, d);
    }
  }

  all<K extends DocumentKind>(kind: K): Doc<K>[] {
    return (this.kinds.get(kind) ?? []) as Doc<K>[];
  }

  get<K extends DocumentKind>(kind: K, id: string): Doc<K> | undefined {
    return this.ids.get(`${kind}:${id}`) as Doc<K> | undefined;
  }

  /** The single document of a singleton kind (calendar, sla, oncall, approval, organisation). */
  one<K extends DocumentKind>(kind: K): Doc<K> | undefined {
    return this.all(kind)[0];
  }

  /** Hosts named directly or through groups, deduplicated, in inventory order. */
  resolveTargets(targets: { hosts?: readonly string[]; groups?: readonly string[] }): Doc<'host'>[] {
    const wanted = new Set(targets.hosts ?? []);
    const groups = new Set(targets.groups ?? []);
    return this.all('host').filter((h) => wanted.has(h.id) || h.data.groups.some((g) => groups.has(g)));
  }
}
