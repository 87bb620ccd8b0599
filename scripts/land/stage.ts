/**
 * Stages what a CI job wrote under its flow's roots (new and appended files)
 * into a directory that travels as an artifact: `files/<path>` plus a
 * manifest naming, for each file, the blob the job started from. Edge: git
 * and the file system.
 */
import { copyFile, lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { blobsAt, gitIn } from './git.ts';
import { FLOWS, MANIFEST_FORMAT, MANIFEST_SUFFIX, isLandablePath, type Flow, type Manifest, type StagedFile } from './manifest.ts';

export interface StageResult {
  manifest: Manifest;
  manifestFile: string;
  /** Changes that cannot be landed (deleted or replaced records, links); the rest is staged anyway. */
  problems: string[];
}

export async function stageLanding(o: { root: string; flow: Flow; run: string; part?: string; out: string; now: Date; env?: NodeJS.ProcessEnv }): Promise<StageResult> {
  const git = gitIn(o.root, o.env);
  const base = (await git(['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  const roots = FLOWS[o.flow].roots;
  const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...roots]);
  const problems: string[] = [];
  const candidates: string[] = [];
  for (const entry of status.split('\0').filter(Boolean)) {
    const xy = entry.slice(0, 2);
    const p = entry.slice(3);
    if (!isLandablePath(o.flow, p)) problems.push(`${p}: outside what the ${o.flow} flow may land (${roots.join(', ')})`);
    else if (xy.includes('D')) problems.push(`${p}: deleted; records are append-only, a deletion is never landed`);
    else candidates.push(p);
  }
  const files: StagedFile[] = [];
  const baseBlobs = await blobsAt(git, base, candidates);
  const regular: string[] = [];
  for (const p of candidates) {
    const st = await lstat(path.join(o.root, p));
    if (!st.isFile()) {
      problems.push(`${p}: not a regular file (a link or a directory is never landed)`);
      continue;
    }
    const baseBlob = baseBlobs.get(p);
    if (baseBlob && p.startsWith('records/')) {
      // Evidence is append-only: what the job started from must still be the beginning of the file.
      const before = await git(['cat-file', 'blob', baseBlob]);
      const now = await readFile(path.join(o.root, p), 'utf8');
      if (!now.startsWith(before)) {
        problems.push(`${p}: its existing lines changed; records are append-only, only new lines are landed`);
        continue;
      }
    }
    regular.push(p);
  }
  const blobs = regular.length ? (await git(['hash-object', '--no-filters', '--', ...regular])).trim().split('\n') : [];
  for (const [i, p] of regular.entries()) {
    const dest = path.join(o.out, 'files', ...p.split('/'));
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(path.join(o.root, p), dest);
    files.push({ path: p, base_blob: baseBlobs.get(p) ?? null, blob: blobs[i]!, size: (await lstat(dest)).size });
  }
  const part = o.part ?? o.flow;
  const manifest: Manifest = { format: MANIFEST_FORMAT, flow: o.flow, run: o.run, part, base_commit: base, created_at: o.now.toISOString(), files };
  await mkdir(o.out, { recursive: true });
  const manifestFile = path.join(o.out, `${o.flow}-${part}${MANIFEST_SUFFIX}`);
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, manifestFile, problems };
}
