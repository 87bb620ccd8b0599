/**
 * Reads what a plan needs from the repository (the change, its hosts, the
 * files it references, the access policy) and calls the pure planner. Edge.
 */
import { createHash } from 'node:crypto';
import { calendarZone } from '../calendar/zone.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { UsageError } from '../model/errors.ts';
import { readRepoFile } from '../repo/repo-file.ts';
import type { Doc } from '../repo/parse-document.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { planChange, referencedFiles, type RepoFileInfo } from './plan.ts';
import type { ChangePlan } from './types.ts';
import { deriveRisk, renderRiskDerivation } from '../rules/risk.ts';
import { zoneProblems } from '../rules/calendar-zone.ts';
import type { CheckDef } from '../inspect/model.ts';
import { allowedSudoLines } from '../converge/sudoers-allow.ts';

export function findChange(repo: RepoModel, id: string): Doc<'change'> {
  const doc = repo.get('change', id);
  if (doc) return doc;
  const invalid = repo.diagnostics.filter((d) => d.file.includes(id));
  if (invalid.length > 0) {
    throw new UsageError(
      `${id} is not a valid change document: ${invalid
        .slice(0, 3)
        .map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`)
        .join('; ')}`,
      "run 'opsgate lint' for every problem",
    );
  }
  throw new UsageError(`no change '${id}' in changes/`, 'give an id like CHG-2026-0042 (the file name without .yaml)');
}

/** Where a plan's files come from: the working tree (plan, lint) or the committed tree (apply). Never through a link. */
export type FileSource = (rel: string) => Promise<{ kind: 'file'; bytes: Buffer } | { kind: string; why: string }>;

export const workingTreeFiles =
  (root: string): FileSource =>
  (rel) =>
    readRepoFile(root, rel);

/** Hashes of the files that exist as regular files, and why the others cannot be used. */
export async function readReferencedFiles(source: FileSource, files: readonly string[]): Promise<{ infos: Map<string, RepoFileInfo>; refused: Map<string, string> }> {
  const infos = new Map<string, RepoFileInfo>();
  const refused = new Map<string, string>();
  for (const f of files) {
    const r = await source(f);
    if (r.kind === 'file' && 'bytes' in r) infos.set(f, { sha256: createHash('sha256').update(r.bytes).digest('hex'), bytes: r.bytes.length });
    else if (r.kind !== 'missing' && 'why' in r) refused.set(f, r.why);
  }
  return { infos, refused };
}

export async function loadPlan(repo: RepoModel, change: Doc<'change'>, now: Date, source: FileSource = workingTreeFiles(repo.root)): Promise<ChangePlan> {
  const hosts = repo.resolveTargets(change.data.targets);
  const unknownHosts = (change.data.targets.hosts ?? []).filter((h) => !repo.get('host', h));
  const { infos: files, refused } = await readReferencedFiles(source, referencedFiles(change.data));
  const plan = planChange({
    change: { id: change.id, file: change.file, sha256: change.sha256, data: change.data, locate: (p) => change.locate(p) },
    hosts,
    unknownHosts,
    files,
    access: {
      people: repo.all('person').map((d) => d.data),
      roles: repo.all('role').map((d) => d.data),
      grants: repo.all('grant').map((d) => d.data),
      timezone: calendarZone(repo),
    },
    // What converge steps need: baselines (their checks), the sudo rules they allow, jump hosts.
    baselines: repo.all('baseline').map((d) => ({ id: d.id, checks: d.data.checks as unknown as CheckDef[] })),
    allowedSudo: allowedSudoLines(repo.all('baseline').map((d) => d.data as unknown as { checks: Array<{ type: string; params?: Record<string, unknown> }> })),
    jumpHosts: new Set(repo.all('host').flatMap((h) => (h.data.jump_host ? [h.data.jump_host] : []))),
    backupPolicies: repo.all('backup-policy').map((d) => ({ id: d.id, repository: d.data.repository, tags: d.data.tags, paths: d.data.paths })),
    now,
  });
  // A link or an escaping path is never content: say so, beside planChange's "does not exist".
  const linkDiags: Diagnostic[] = [...refused.values()].map((why) => diagnostic('plan.link', { file: change.file, line: 1, col: 1 }, why, { hint: 'commit the file itself, inside the repository' }));
  // Grants start in the calendar's zone: one it does not give refuses the plan, located (ARCHITECTURE.md, "The calendar's time zone").
  return { ...plan, diagnostics: [...zoneProblems(repo), ...linkDiags, ...plan.diagnostics], riskDerivation: renderRiskDerivation(deriveRisk(change.data, hosts)) };
}
