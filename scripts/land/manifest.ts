/**
 * Landing records: what a CI job produced (records/, reports/) travels as an
 * artifact with a manifest, and a separate job with the opsgate App token
 * commits exactly those files onto the default branch. The manifest says, for
 * every file, which blob the job started from, so the landing job can tell a
 * file it may overwrite (unchanged since) from one that someone else appended
 * to meanwhile (a conflict, never overwritten). Pure.
 */

export const MANIFEST_FORMAT = 'opsgate.land/1';
export const MANIFEST_SUFFIX = '.land.json';

/** The flows that land files, and the only repository paths each may write. */
export const FLOWS = {
  apply: { roots: ['records/'], lease: true },
  inspect: { roots: ['records/'], lease: false },
  backup: { roots: ['records/backups/'], lease: false },
  converge: { roots: ['records/'], lease: true },
  gate: { roots: ['records/gate/'], lease: false },
  report: { roots: ['reports/'], lease: false },
  notify: { roots: ['records/notifications/'], lease: true },
} as const satisfies Record<string, { roots: readonly string[]; lease: boolean }>;
export type Flow = keyof typeof FLOWS;

export function isFlow(s: string): s is Flow {
  return Object.hasOwn(FLOWS, s);
}

/** The branch a flow's lease lives on while a run is in flight: its existence means "records not landed yet". */
export function leaseBranch(flow: Flow): string {
  return `opsgate/lease/${flow}`;
}

export interface StagedFile {
  /** Repository-relative, forward slashes. */
  path: string;
  /** The git blob of the file in the commit the job started from; null when the job created it. */
  base_blob: string | null;
  /** The git blob of the staged content. */
  blob: string;
  size: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  flow: Flow;
  /** The CI run (GITHUB_RUN_ID) that produced the files. */
  run: string;
  /** Distinguishes several jobs of one run (inspection shards). */
  part: string;
  /** The commit the job ran on. */
  base_commit: string;
  created_at: string;
  files: StagedFile[];
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const RUN = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether a repository path is one the flow may write: under one of its roots, no `..`, no absolute path, no control characters. */
export function isLandablePath(flow: Flow, p: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (p.startsWith('/') || p.includes('\\') || /[\u0000-\u001f\u007f]/.test(p)) return false;
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) return false;
  return FLOWS[flow].roots.some((r) => p.startsWith(r));
}

/** Reads a manifest from parsed JSON; returns the problems instead when it is not one we wrote. */
export function validateManifest(value: unknown, file: string): { manifest?: Manifest; problems: string[] } {
  const problems: string[] = [];
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return { problems: [`${file}: not a JSON object`] };
  if (m.format !== MANIFEST_FORMAT) problems.push(`${file}: format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  if (typeof m.flow !== 'string' || !isFlow(m.flow)) problems.push(`${file}: flow ${JSON.stringify(m.flow)} is not one of ${Object.keys(FLOWS).join(', ')}`);
  if (typeof m.run !== 'string' || !RUN.test(m.run)) problems.push(`${file}: run ${JSON.stringify(m.run)} is not a run id`);
  if (typeof m.part !== 'string' || !RUN.test(m.part)) problems.push(`${file}: part ${JSON.stringify(m.part)} is not a name`);
  if (typeof m.base_commit !== 'string' || !SHA.test(m.base_commit)) problems.push(`${file}: base_commit is not a commit id`);
  if (!Array.isArray(m.files)) problems.push(`${file}: files is not a list`);
  if (problems.length) return { problems };
  const seen = new Set<string>();
  for (const f of m.files!) {
    const where = `${file}: ${JSON.stringify(f?.path)}`;
    if (!f || typeof f.path !== 'string' || !isLandablePath(m.flow as Flow, f.path)) problems.push(`${where}: not a path the ${m.flow} flow may write (${FLOWS[m.flow as Flow].roots.join(', ')})`);
    else if (seen.has(f.path)) problems.push(`${where}: listed twice`);
    else seen.add(f.path);
    if (!f || typeof f.blob !== 'string' || !SHA.test(f.blob)) problems.push(`${where}: blob is not a git object id`);
    if (!f || (f.base_blob !== null && (typeof f.base_blob !== 'string' || !SHA.test(f.base_blob)))) problems.push(`${where}: base_blob is neither null nor a git object id`);
  }
  return problems.length ? { problems } : { manifest: m as Manifest, problems };
}

export type FileAction = { path: string; action: 'write'; blob: string } | { path: string; action: 'already-landed' } | { path: string; action: 'conflict'; why: string };

/**
 * Decides, per staged file, against the branch tip: write it when the tip still
 * holds the blob the job started from; nothing when the tip already holds the
 * staged blob (an earlier landing attempt got through); otherwise a conflict —
 * someone changed the file since, and records are never overwritten.
 */
export function planLanding(files: readonly StagedFile[], tipBlobs: ReadonlyMap<string, string | null>): FileAction[] {
  return files.map((f): FileAction => {
    const tip = tipBlobs.get(f.path) ?? null;
    if (tip === f.blob) return { path: f.path, action: 'already-landed' };
    if (tip === f.base_blob) return { path: f.path, action: 'write', blob: f.blob };
    const why =
      f.base_blob === null
        ? 'the job created it, but the branch has a different file at that path now'
        : tip === null
          ? 'it was deleted on the branch since the job started'
          : 'it changed on the branch since the job started (another run appended to it)';
    return { path: f.path, action: 'conflict', why };
  });
}

/** The trailers a landing or lease commit carries; `readTrailer` reads them back. */
export function trailers(t: Record<string, string>): string {
  return Object.entries(t)
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`)
    .join('\n');
}

export function readTrailer(message: string, key: string): string | undefined {
  const m = new RegExp(`^${key}: (.+)$`, 'm').exec(message);
  return m?.[1]?.trim();
}
