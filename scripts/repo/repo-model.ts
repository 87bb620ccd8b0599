import type { Diagnostic } from '../model/diagnostic.ts';
import { matchKind, type DocumentKind } from './kinds.ts';
import type { AnyDoc, Doc } from './parse-document.ts';

/** The loaded repository: every valid document, indexed, plus the diagnostics found while loading. */
export class RepoModel {
  private readonly kinds = new Map<DocumentKind, Doc[]>();
  private readonly ids = new Map<string, Doc>();
  private readonly invalid = new Set<string>();
  private readonly groupMembers = new Map<string, Doc<'host'>[]>();

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
    for (const f of files) {
      const m = matchKind(f);
      if (m && !this.ids.has(`${m.kind}:${m.expectedId}`)) this.invalid.add(`${m.kind}:${m.expectedId}`);
    }
    for (const h of this.all('host')) {
      for (const g of h.data.groups) {
        const list = this.groupMembers.get(g) ?? [];
        list.push(h);
        this.groupMembers.set(g, list);
      }
    }
  }

  /** A file of this kind and id exists but did not load (its own diagnostics say why). */
  hasInvalid(kind: DocumentKind, id: string): boolean {
    return this.invalid.has(`${kind}:${id}`);
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

  /** Hosts named directly or through groups, deduplicated. */
  resolveTargets(targets: { hosts?: readonly string[]; groups?: readonly string[] }): Doc<'host'>[] {
    const out = new Map<string, Doc<'host'>>();
    for (const id of targets.hosts ?? []) {
      const h = this.get('host', id);
      if (h) out.set(id, h);
    }
    for (const g of targets.groups ?? []) for (const h of this.groupMembers.get(g) ?? []) out.set(h.id, h);
    return [...out.values()];
  }
}
