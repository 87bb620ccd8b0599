import type { Diagnostic } from '../model/diagnostic.ts';
import { matchKind, type DocumentKind } from './kinds.ts';
import type { AnyDoc, Doc } from './parse-document.ts';

/** The loaded repository: every valid document, indexed, plus the diagnostics found while loading. */
export class RepoModel {
  private readonly kinds = new Map<DocumentKind, Doc[]>();
  // By kind, then id: rules look documents up tens of thousands of times, and a
  // `${kind}:${id}` key built per lookup cost more than the lookup itself.
  private readonly ids = new Map<DocumentKind, Map<string, Doc>>();
  private readonly invalid = new Map<DocumentKind, Set<string>>();
  private readonly groupMembers = new Map<string, Doc<'host'>[]>();

  constructor(
    readonly root: string,
    readonly documents: readonly AnyDoc[],
    readonly diagnostics: readonly Diagnostic[],
    /** Repository-relative paths of every file seen under the document folders (also invalid ones). */
    readonly files: ReadonlySet<string> = new Set(),
  ) {
    for (const d of documents) {
      let list = this.kinds.get(d.kind);
      if (!list) this.kinds.set(d.kind, (list = []));
      list.push(d);
      let byId = this.ids.get(d.kind);
      if (!byId) this.ids.set(d.kind, (byId = new Map()));
      // String(): the same key as the `${kind}:${id}` these maps replaced, whatever a caller passes.
      const id = String(d.id);
      if (!byId.has(id)) byId.set(id, d);
    }
    // A file that loaded as a document with a string id is that kind and id (parseDocumentText
    // refuses an id other than the file name's), so it is not invalid: no need to match its path again.
    const loaded = new Set<string>();
    for (const d of documents) if (typeof d.id === 'string') loaded.add(d.file);
    for (const f of files) {
      if (loaded.has(f)) continue;
      const m = matchKind(f);
      if (!m || this.ids.get(m.kind)?.has(m.expectedId)) continue;
      let set = this.invalid.get(m.kind);
      if (!set) this.invalid.set(m.kind, (set = new Set()));
      set.add(m.expectedId);
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
    return this.invalid.get(kind)?.has(String(id)) ?? false;
  }

  all<K extends DocumentKind>(kind: K): Doc<K>[] {
    return (this.kinds.get(kind) ?? []) as Doc<K>[];
  }

  get<K extends DocumentKind>(kind: K, id: string): Doc<K> | undefined {
    return this.ids.get(kind)?.get(String(id)) as Doc<K> | undefined;
  }

  /** The single document of a singleton kind (calendar, sla, oncall, approval, organisation). */
  one<K extends DocumentKind>(kind: K): Doc<K> | undefined {
    return this.all(kind)[0];
  }

  /** Hosts named directly or through groups, deduplicated. */
  resolveTargets(targets: { hosts?: readonly string[]; groups?: readonly string[] }): Doc<'host'>[] {
    // The common case, one host named and no group, without the Map.
    if (!targets.groups?.length && targets.hosts?.length === 1) {
      const h = this.get('host', targets.hosts[0]!);
      return h ? [h] : [];
    }
    const out = new Map<string, Doc<'host'>>();
    for (const id of targets.hosts ?? []) {
      const h = this.get('host', id);
      if (h) out.set(id, h);
    }
    for (const g of targets.groups ?? []) for (const h of this.groupMembers.get(g) ?? []) out.set(h.id, h);
    return [...out.values()];
  }
}
