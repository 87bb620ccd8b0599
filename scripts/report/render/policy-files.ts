import { singletonSpellings } from '../../repo/singleton-path.ts';

/** The placeholders of formula strings that name a singleton policy: `{sla_file}` is policies/sla.yaml or policies/sla.yml. */
export type FormulaPolicyFiles = Record<'sla_file' | 'oncall_file' | 'organisation_file', string>;

/**
 * The files formula strings name for singleton policies, which a repository may spell `.yaml` or `.yml`
 * (ARCHITECTURE.md, "The policy and the calendar in either spelling lint reads"): the spelling the report's evidence
 * manifest cites (the loaded document, or one that did not load), else `.yaml`, the file to create. Read from the
 * report itself, so what it prints follows from its JSON. Pure.
 */
export function formulaPolicyFiles(evidence: readonly { path: string }[]): FormulaPolicyFiles {
  const cited = new Set(evidence.map((e) => e.path));
  const fileOf = (kind: string) => singletonSpellings(`policies/${kind}`, (f) => cited.has(f)).file;
  return { sla_file: fileOf('sla'), oncall_file: fileOf('oncall'), organisation_file: fileOf('organisation') };
}
