import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../model/errors.ts';

/**
 * The spellings of a singleton document (`policies/calendar`) that `has` says exist: lint and the gate accept `.yaml`
 * or `.yml` (scripts/repo/kinds.ts), so every command must read the one that is there. More than one is ambiguous. Pure.
 */
export function singletonSpellings(stem: string, has: (file: string) => boolean): { file: string; present: string[] } {
  const spellings = [`${stem}.yaml`, `${stem}.yml`];
  const present = spellings.filter(has);
  return { file: present[0] ?? spellings[0]!, present };
}

/**
 * The message for a singleton present in both spellings; `where` says where (e.g. 'on the base branch'), `consequence`
 * what else cannot be done (the gate: 'nothing can be approved').
 */
export function ambiguousSingletonMessage(stem: string, present: readonly string[], where: string, consequence = ''): string {
  return `${present.join(' and ')} both exist${where ? ` ${where}` : ''}; each is the one ${stem.split('/').pop()} document, so which one is in force cannot be told${consequence ? ` and ${consequence}` : ''}. Keep one of them`;
}

/**
 * The repository-relative file of singleton `stem` under `root`: the spelling that exists, `.yaml` when none does (the
 * file a command creates). Both at once is a usage error naming both. Edge (reads the file system).
 */
export function singletonPath(root: string, stem: string): string {
  const { file, present } = singletonSpellings(stem, (f) => existsSync(path.join(root, f)));
  if (present.length > 1) throw new UsageError(ambiguousSingletonMessage(stem, present, `under ${root}`));
  return file;
}

/**
 * The repository-relative files of the document `stem` (any kind: `policies/access/people/alice`) present under `root`,
 * `.yaml` first: none, one, or both (two documents with one id). Edge (reads the file system).
 */
export function presentSpellings(root: string, stem: string): string[] {
  return singletonSpellings(stem, (f) => existsSync(path.join(root, f))).present;
}
