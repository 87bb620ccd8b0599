import type { RepoModel } from '../repo/repo-model.ts';
import { singletonSpellings } from '../repo/singleton-path.ts';

export type SingletonKind = 'calendar' | 'approval' | 'organisation' | 'sla' | 'oncall';

/**
 * The file a message names for singleton policy `kind`: the repository may spell it `.yaml` or `.yml`
 * (ARCHITECTURE.md, "The policy and the calendar in either spelling lint reads"). The loaded document's file,
 * else the spelling among the files the repository has (one that did not load), else `.yaml`: the file to create.
 * Pure: it reads the model, not the disk.
 */
export function singletonFileOf(repo: Pick<RepoModel, 'one' | 'files'>, kind: SingletonKind): string {
  return repo.one(kind)?.file ?? singletonSpellings(`policies/${kind}`, (f) => repo.files.has(f)).file;
}
