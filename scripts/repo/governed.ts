import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { suggest } from '../rules/suggest.ts';
import { DOCUMENT_KINDS, DOCUMENT_ROOTS, matchKind } from './kinds.ts';

/**
 * Governed folders: every YAML or Markdown file under a document root must be a
 * document of some kind, so nothing a pull request adds there escapes schema
 * validation. Exempt: upload payloads (`inventory/files/`, which changes copy
 * to hosts byte for byte) and a folder's README.md. Pure.
 */
const PAYLOAD_FOLDERS = ['inventory/files/'] as const;

/** A YAML or Markdown file under a document root that must therefore be a document. */
export function isGovernedFile(rel: string): boolean {
  if (!/\.(ya?ml|md)$/i.test(rel)) return false;
  if (/(^|\/)README\.md$/i.test(rel)) return false;
  if (PAYLOAD_FOLDERS.some((p) => rel.startsWith(p))) return false;
  return DOCUMENT_ROOTS.some((r) => rel.startsWith(r + '/'));
}

interface Place {
  /** The folder with `YYYY` for a dated segment, e.g. `changes/YYYY`. */
  folder: string;
  /** For a singleton document, its file name without extension (policies/calendar.yaml). */
  singleton?: string;
  ext: 'yaml' | 'md';
}

/** Where each kind lives, read from the kinds' own path patterns, so kinds other helpers register are included. */
export const DOCUMENT_PLACES: readonly Place[] = DOCUMENT_KINDS.map((k) => {
  const src = k.pattern.source.replace(/^\^/, '').replace(/\\\//g, '/');
  const open = src.indexOf('(');
  const folder = src.slice(0, open).replace(/\/$/, '');
  const group = /^\(([a-z-]+)\)/.exec(src.slice(open));
  const dated = /^\(\\d\{4\}\)\//.test(src.slice(open));
  return { folder: dated ? `${folder}/YYYY` : folder, ...(group ? { singleton: group[1]! } : {}), ext: src.endsWith('.md$') ? 'md' : 'yaml' } satisfies Place;
});

/**
 * The YAML extension a hint names: the stray file's own spelling (`yml` for `x.yml` or `x.YML`), else `yaml`. Lint reads
 * either (./kinds.ts); a hint in the other spelling could lead a team to a second file for one singleton, which fails
 * closed (ARCHITECTURE.md, "The policy and the calendar in either spelling lint reads").
 */
const yamlSpellingOf = (name: string): 'yml' | 'yaml' => (/\.yml$/i.test(name) ? 'yml' : 'yaml');

const placeText = (p: Place, yaml: 'yml' | 'yaml') => (p.singleton ? `${p.folder}/${p.singleton}.${yaml}` : `${p.folder}/`);

/** The error for a governed file that matches no document kind, with a did-you-mean when one is close. */
export function strayFileDiagnostic(rel: string): Diagnostic {
  const slash = rel.lastIndexOf('/');
  const dir = rel.slice(0, slash);
  const name = rel.slice(slash + 1);
  const stem = name.replace(/\.(ya?ml|md)$/i, '');
  const yearOf = /\/(\d{4})(\/|$)/.exec(dir)?.[1];
  const normDir = dir.replace(/\/\d{4}(?=\/|$)/, '/YYYY');
  const ext = /\.md$/i.test(name) ? 'md' : 'yaml';
  const yaml = yamlSpellingOf(name);
  const folders = [...new Set(DOCUMENT_PLACES.filter((p) => !p.singleton && p.ext === ext).map((p) => p.folder))];
  const singletons = DOCUMENT_PLACES.filter((p) => p.singleton).map((p) => `${p.folder}/${p.singleton}`);
  const withYear = (f: string) => f.replace('YYYY', yearOf ?? /-(\d{4})-/.exec(stem)?.[1] ?? 'YYYY');
  const sameFolder = DOCUMENT_PLACES.find((p) => !p.singleton && p.folder === normDir);
  let guesses: string[];
  if (sameFolder) {
    guesses = [`${dir}/${stem}.${sameFolder.ext === 'yaml' ? yaml : sameFolder.ext}`]; // the right folder, the wrong extension (.YAML, .md for YAML, .yaml for a runbook)
  } else {
    const singleton = suggest(`${dir}/${stem}`, singletons);
    const folder = suggest(normDir, folders);
    const dated = folders.filter((f) => f === `${normDir}/YYYY`); // changes/CHG-2026-0001.yaml → changes/2026/
    guesses = [...singleton.map((s) => `${s}.${yaml}`), ...[...folder, ...dated].map((f) => `${withYear(f)}/${name}`)];
  }
  const root = rel.split('/')[0]!;
  const here = DOCUMENT_PLACES.filter((p) => p.folder === root || p.folder.startsWith(root + '/')).map((p) => placeText(p, yaml));
  const mean = guesses.length ? `did you mean ${guesses.join(' or ')}? ` : '';
  return diagnostic('repo.unknown-location', { file: rel, line: 1, col: 1 }, `${rel} is under ${root}/ but matches no document kind, so it would never be validated`, {
    hint: `${mean}documents under ${root}/ live in ${[...new Set(here)].join(', ')}; move or rename it, or delete it${root === 'inventory' ? ' (files a change uploads belong in inventory/files/)' : ''}`,
  });
}

/** Sanity for the table above: every place it derives must itself be a document location. Used by tests. */
export function placeIsDocumentLocation(p: Place): boolean {
  const file = `${p.folder.replace('YYYY', '2026')}/${p.singleton ?? 'x-2026-0001'}.${p.ext}`;
  return matchKind(file) !== undefined;
}
