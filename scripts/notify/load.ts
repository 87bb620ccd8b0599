import { readdirSync, readFileSync } from 'node:fs';
import type { Diagnostic } from '../model/diagnostic.ts';
import { parseDocumentText, type AnyDoc } from '../repo/parse-document.ts';
import { YAML_LIMITS } from '../repo/parse-yaml.ts';
import { readSchemas } from '../repo/read-repo.ts';
import { RepoModel } from '../repo/repo-model.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';

/** Singletons: lint accepts each as .yaml or .yml, so both spellings are candidates (both at once is lint's reference.duplicate-id error; RepoModel.one takes the .yaml). */
const POLICIES = ['policies/sla', 'policies/oncall', 'policies/calendar', 'policies/organisation'].flatMap((stem) => [`${stem}.yaml`, `${stem}.yml`]);
/** A closed incident owes nothing: watch skips it before parsing (lint still reads every file). */
const CLOSED = /^status:[ \t]*["']?closed["']?[ \t]*(#.*)?$/m;

/**
 * What `opsgate incidents watch` reads: the policies it routes by, the people
 * (GitHub logins for mentions) and every incident that is not closed, each
 * parsed and validated like lint does. Only the folders watch needs are
 * walked; links are not followed. Reads are synchronous on purpose: a
 * thousand small files from the page cache cost several thread-pool round
 * trips each when read asynchronously, which was most of watch's time
 * (bench:watch). Edge.
 */
export async function readWatchRepo(root: string): Promise<RepoModel> {
  const validator = createSchemaValidator(await readSchemas(root));
  const docs: AnyDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  // Below the top folder only year folders are walked: incidents/handovers/ holds handovers, never incidents.
  const list = (rel: string, depth: number): string[] => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(`${root}/${rel}`, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(`${rel}/${e.name}`);
      else if (e.isDirectory() && depth > 0 && /^\d{4}$/.test(e.name)) out.push(...list(`${rel}/${e.name}`, depth - 1));
    }
    return out;
  };
  const candidates = [...POLICIES, ...list('policies/access/people', 0), ...list('incidents', 1)].sort();
  for (const rel of candidates) {
    let text: string;
    try {
      text = readFileSync(`${root}/${rel}`, 'utf8'); // plain joins: path.join cost more than the read for a thousand files
    } catch {
      continue;
    }
    files.push(rel);
    if (rel.startsWith('incidents/') && text.length <= YAML_LIMITS.maxBytes && CLOSED.test(text)) continue;
    const r = parseDocumentText(text, rel, validator);
    diagnostics.push(...r.diagnostics);
    if (r.doc) docs.push(r.doc);
  }
  // docs are in the candidates' sorted order already
  return new RepoModel(root, docs, diagnostics, new Set(files));
}
