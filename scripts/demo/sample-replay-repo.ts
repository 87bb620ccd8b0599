/**
 * The sample organisation's replay repository for `npm run sample:records`:
 * the base commit and the pull requests of the sample timeline, with the real
 * commands run between them. Commits carry the timeline's dates and the
 * people's identities, so the same files give the same commit ids on every
 * run. The replay's history is kept as `records/history/sample-replay.bundle`
 * so that every commit the sample records cite can be opened (records verify
 * looks there). Edge: files and git.
 */
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git, openPull, type SamplePull } from './sample-git.ts';
import { BASE_COMMIT_AT, PULLS } from './sample-timeline.ts';

export const SAMPLE_HISTORY_BUNDLE = 'records/history/sample-replay.bundle';

/** A git repository at `repo` with the sample's policies, inventory, incidents and runbooks committed at BASE_COMMIT_AT. */
export async function buildSampleBaseRepo(root: string, repo: string): Promise<void> {
  await mkdir(repo, { recursive: true });
  // The replay never had the handovers (incidents/handovers/): keeping them out keeps its commit ids, which the sample records cite.
  const handovers = path.join(root, 'incidents', 'handovers');
  for (const d of ['schemas', 'policies', 'incidents', 'runbooks'])
    await cp(path.join(root, d), path.join(repo, d), { recursive: true, filter: (src) => src !== handovers && !src.startsWith(handovers + path.sep) });
  await cp(path.join(root, 'inventory', 'groups'), path.join(repo, 'inventory', 'groups'), { recursive: true });
  const pullFiles = new Set(PULLS.flatMap((p) => p.files ?? []));
  await mkdir(path.join(repo, 'inventory', 'files'), { recursive: true });
  for (const f of await readdir(path.join(root, 'inventory', 'files'))) {
    if (!pullFiles.has(`inventory/files/${f}`)) await cp(path.join(root, 'inventory', 'files', f), path.join(repo, 'inventory', 'files', f));
  }
  await cp(path.join(root, 'inventory', 'hosts'), path.join(repo, 'inventory', 'hosts'), { recursive: true });
  // Gate decisions are committed (apply trusts only committed decisions); the other records are the output.
  await writeFile(path.join(repo, '.gitignore'), 'records/*\n!records/gate/\nreports/\n');
  await git(repo, ['init', '-q', '-b', 'main']);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', 'Sample organisation: policies, inventory, incidents, runbooks'], { at: BASE_COMMIT_AT });
}

/** The change request as its pull request proposed it: the post-implementation review is added later, by another pull request. */
async function proposedChange(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const i = text.search(/^closure:/m);
  return i < 0 ? text : text.slice(0, i);
}

/** Opens the timeline's pull request `number`: its change request as proposed and its files, on a branch named after the change. */
export async function openSamplePull(root: string, repo: string, number: number, login: (person: string) => string): Promise<SamplePull> {
  const p = PULLS.find((x) => x.number === number);
  if (!p) throw new Error(`no sample pull request #${number}`);
  const files = [`changes/2026/${p.change}.yaml`, ...(p.files ?? [])];
  await mkdir(path.join(repo, 'changes', '2026'), { recursive: true });
  await writeFile(path.join(repo, files[0]!), await proposedChange(path.join(root, files[0]!)));
  for (const f of p.files ?? []) await cp(path.join(root, f), path.join(repo, f));
  return openPull(repo, { number: p.number, title: p.title, author: login(p.author), branch: p.change.toLowerCase(), files, at: p.opened });
}

/** Writes every branch of the replay repository into the bundle under `root` (replacing it). */
export async function writeHistoryBundle(repo: string, root: string): Promise<string> {
  const out = path.join(root, SAMPLE_HISTORY_BUNDLE);
  await mkdir(path.dirname(out), { recursive: true });
  await git(repo, ['bundle', 'create', '-q', out, '--all']);
  return out;
}
