import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../model/diagnostic.ts';
import { parseDocumentText, type AnyDoc } from '../repo/parse-document.ts';
import { YAML_LIMITS } from '../repo/parse-yaml.ts';
import { readSchemas } from '../repo/read-repo.ts';
import { RepoModel } from '../repo/repo-model.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';

const POLICIES = ['policies/sla.yaml', 'policies/oncall.yaml', 'policies/calendar.yaml', 'policies/organisation.yaml'];
/** A closed incident owes nothing: watch skips it before parsing (lint still reads every file). */
const CLOSED = /^status:[ \t]*["']?closed["']?[ \t]*(#.*)?$/m;

/**
 * What `opsgate incidents watch` reads: the policies it routes by, the people
 * (GitHub logins for mentions) and every incident that is not closed, each
 * parsed and validated like lint does. Only the folders watch needs are
 * walked; links are not followed. Edge.
 */
export async function readWatchRepo(root: string): Promise<RepoModel> {
  const validator = createSchemaValidator(await readSchemas(root));
  const docs: AnyDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  // Below the top folder only year folders are walked: incidents/handovers/ holds handovers, never incidents.
  const list = async (rel: string, depth: number): Promise<string[]> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const e of entries) {
      if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(`${rel}/${e.name}`);
      else if (e.isDirectory() && depth > 0 && /^\d{4}$/.test(e.name)) out.push(...(await list(`${rel}/${e.name}`, depth - 1)));
    }
    return out;
  };
  const candidates = [...POLICIES, ...(await list('policies/access/people', 0)), ...(await list('incidents', 1))].sort();
  await Promise.all(
    candidates.map(async (rel) => {
      const text = await readFile(path.join(root, rel), 'utf8').catch(() => undefined);
      if (text === undefined) return;
      files.push(rel);
      if (rel.startsWith('incidents/') && text.length <= YAML_LIMITS.maxBytes && CLOSED.test(text)) return;
      const r = parseDocumentText(text, rel, validator);
      diagnostics.push(...r.diagnostics);
      if (r.doc) docs.push(r.doc);
    }),
  );
  docs.sort((a, b) => a.file.localeCompare(b.file));
  return new RepoModel(root, docs, diagnostics, new Set(files));
}
