/**
 * Lands staged files on the branch: one commit on the current tip holding
 * exactly the staged files, pushed atomically together with the deletion of
 * the run's lease. A tip that moved meanwhile is fetched again and the commit
 * rebuilt (up to `attempts` times); a file someone else changed since the job
 * started is a conflict and is never overwritten. The working tree and HEAD of
 * the checkout are not touched (a private index and `commit-tree`). Edge: git.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { blobsAt, gitIn, hideCredentials, type Git } from './git.ts';
import { BOT, fetchQuietly, identityEnv, readLease, type Lease } from './lease.ts';
import { FLOWS, MANIFEST_SUFFIX, isLandablePath, leaseBranch, planLanding, trailers, validateManifest, type FileAction, type Flow, type Manifest } from './manifest.ts';
import { appendAll } from '../model/append.ts';

export interface LandOptions {
  root: string;
  /** The directory the artifact was downloaded to (manifests anywhere below it). */
  from: string;
  branch: string;
  remote?: string;
  /** Delete the lease of every leased flow in the same push (the lease must name the manifest's run). */
  releaseLease: boolean;
  attempts?: number;
  retryDelayMs?: number;
  dryRun?: boolean;
  now: Date;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface LandOutcome {
  status: 'landed' | 'nothing-to-land' | 'conflict' | 'refused' | 'failed' | 'dry-run';
  commit?: string;
  written: string[];
  alreadyLanded: string[];
  conflicts: { path: string; why: string }[];
  leaseReleased: boolean;
  problems: string[];
}

interface Loaded {
  manifest: Manifest;
  dir: string;
}

async function findManifests(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'files') appendAll(out, await findManifests(p));
    else if (e.isFile() && e.name.endsWith(MANIFEST_SUFFIX)) out.push(p);
  }
  return out.sort();
}

export async function loadManifests(from: string): Promise<{ loaded: Loaded[]; problems: string[] }> {
  const problems: string[] = [];
  const loaded: Loaded[] = [];
  for (const file of await findManifests(from)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: not readable JSON (${(e as Error).message})`);
      continue;
    }
    const v = validateManifest(json, path.relative(from, file) || file);
    appendAll(problems, v.problems);
    if (v.manifest) loaded.push({ manifest: v.manifest, dir: path.dirname(file) });
  }
  const owner = new Map<string, string>();
  for (const l of loaded)
    for (const f of l.manifest.files) {
      const other = owner.get(f.path);
      if (other) problems.push(`${f.path}: staged by both ${other} and ${l.manifest.flow}/${l.manifest.part}`);
      owner.set(f.path, `${l.manifest.flow}/${l.manifest.part}`);
    }
  return { loaded, problems };
}

const empty = (status: LandOutcome['status'], extra: Partial<LandOutcome> = {}): LandOutcome => ({
  status,
  written: [],
  alreadyLanded: [],
  conflicts: [],
  leaseReleased: false,
  problems: [],
  ...extra,
});

export async function landStaged(o: LandOptions): Promise<LandOutcome> {
  const git = gitIn(o.root, o.env);
  const remote = o.remote ?? 'origin';
  const { loaded, problems } = await loadManifests(o.from);
  if (problems.length) return empty('refused', { problems });
  if (loaded.length === 0) return empty('refused', { problems: [`no landing manifest (*${MANIFEST_SUFFIX}) under ${o.from}: nothing says what this run produced, so its lease stays`] });

  // Every staged file must be byte-for-byte what its manifest names.
  const hashed = await Promise.all(
    loaded.flatMap((l) =>
      l.manifest.files.map(async (f) => {
        const file = path.join(l.dir, 'files', ...f.path.split('/'));
        const r = await git.tryRun(['hash-object', '-w', '--no-filters', '--', file]);
        return r.ok && r.stdout.trim() === f.blob ? undefined : `${f.path}: the staged file ${r.ok ? 'does not match its manifest' : 'is missing'}`;
      }),
    ),
  );
  const mismatched = hashed.filter((x): x is string => Boolean(x));
  if (mismatched.length) return empty('refused', { problems: mismatched });

  // Leases to release: one per leased flow, and it must be this run's.
  const leases: Lease[] = [];
  if (o.releaseLease) {
    const leased = [...new Map(loaded.filter((l) => FLOWS[l.manifest.flow].lease).map((l) => [l.manifest.flow, l.manifest])).values()];
    for (const m of leased) {
      const lease = await readLease(git, remote, m.flow);
      if (!lease) o.log(`no lease ${leaseBranch(m.flow)} on ${remote}: landing the records of run ${m.run} without one`);
      else if (lease.run !== m.run)
        return empty('refused', { problems: [`the lease ${leaseBranch(m.flow)} belongs to run ${lease.run ?? '(unnamed)'}, not to run ${m.run} whose records these are: it is not released`] });
      else leases.push(lease);
    }
  }

  const files = loaded.flatMap((l) => l.manifest.files);
  const attempts = Math.max(1, o.attempts ?? 5);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await fetchQuietly(git, remote, `refs/heads/${o.branch}`);
    const tip = (await git(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'])).trim();
    const plan = planLanding(
      files,
      await blobsAt(
        git,
        tip,
        files.map((f) => f.path),
      ),
    );
    const conflicts = plan.filter((a): a is Extract<FileAction, { action: 'conflict' }> => a.action === 'conflict').map(({ path: p, why }) => ({ path: p, why }));
    const writes = plan.filter((a): a is Extract<FileAction, { action: 'write' }> => a.action === 'write');
    const alreadyLanded = plan.filter((a) => a.action === 'already-landed').map((a) => a.path);
    if (conflicts.length) return empty('conflict', { conflicts, alreadyLanded, problems: ['nothing was pushed; the lease (if any) stays'] });
    if (writes.length === 0 && leases.length === 0) return empty('nothing-to-land', { alreadyLanded });

    const refspecs: string[] = [];
    const options: string[] = [];
    let commit: string | undefined;
    if (writes.length) {
      commit = await buildCommit(
        git,
        tip,
        writes,
        loaded.map((l) => l.manifest),
        o.now,
      );
      refspecs.push(`${commit}:refs/heads/${o.branch}`);
    }
    for (const l of leases) {
      options.push(`--force-with-lease=refs/heads/${leaseBranch(l.flow)}:${l.sha}`);
      refspecs.push(`:refs/heads/${leaseBranch(l.flow)}`);
    }
    const written = writes.map((w) => w.path);
    if (o.dryRun) return empty('dry-run', { ...(commit ? { commit } : {}), written, alreadyLanded });
    const pushed = await git.tryRun(['push', '--atomic', '--porcelain', ...options, remote, ...refspecs]);
    if (pushed.ok) return empty(writes.length ? 'landed' : 'nothing-to-land', { ...(commit ? { commit } : {}), written, alreadyLanded, leaseReleased: leases.length > 0 });
    lastError = hideCredentials(`${pushed.stderr}\n${pushed.stdout}`.trim());
    o.log(`push attempt ${attempt} of ${attempts} was rejected: ${lastError.split('\n').filter(Boolean).slice(-3).join(' | ')}`);
    if (attempt < attempts && o.retryDelayMs) await new Promise((r) => setTimeout(r, o.retryDelayMs! * attempt));
  }
  return empty('failed', { problems: [`the branch ${o.branch} did not accept the records after ${attempts} attempts; the artifact keeps them and the lease (if any) stays`, lastError] });
}

/** A commit on `tip` whose tree is the tip's plus the staged files, built in a private index. */
async function buildCommit(git: Git, tip: string, writes: { path: string; blob: string }[], manifests: Manifest[], now: Date): Promise<string> {
  const index = path.resolve(git.root, (await git(['rev-parse', '--git-path', `opsgate-land-${process.pid}.index`])).trim());
  const env = { GIT_INDEX_FILE: index };
  try {
    await git(['read-tree', tip], { env });
    const lines = writes.map((w) => `100644 ${w.blob}\t${w.path}`).join('\n') + '\n';
    await git(['update-index', '--add', '--index-info'], { env, input: lines });
    const tree = (await git(['write-tree'], { env })).trim();
    const flows = [...new Set(manifests.map((m) => m.flow))];
    const runs = [...new Set(manifests.map((m) => m.run))];
    const message = [
      `records: opsgate ${flows.join(', ')} run ${runs.join(', ')} (${writes.length} file${writes.length === 1 ? '' : 's'})`,
      '',
      trailers({
        'Opsgate-Flow': flows.join(' '),
        'Opsgate-Run': runs.join(' '),
        'Opsgate-Base': [...new Set(manifests.map((m) => m.base_commit))].join(' '),
      }),
    ].join('\n');
    const commit = (await git(['commit-tree', tree, '-p', tip, '-F', '-'], { input: message + '\n', env: identityEnv(BOT, now) })).trim();
    // The commit may only touch what the flows may write: checked on the commit itself, not only on the plan.
    const changed = (await git(['diff-tree', '-r', '--no-commit-id', '--name-only', '-z', tip, commit])).split('\0').filter(Boolean);
    const stray = changed.filter((p) => !manifests.some((m) => isLandablePath(m.flow as Flow, p)));
    if (stray.length) throw new Error(`refusing to push a records commit that touches ${stray.join(', ')}`);
    return commit;
  } finally {
    await rm(index, { force: true });
  }
}
