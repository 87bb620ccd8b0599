import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { codePath } from '../model/code-root.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { isGovernedFile } from './governed.ts';
import { DOCUMENT_ROOTS, matchKind } from './kinds.ts';
import { fromPortable, loadFile, type PortableResult } from './load-file.ts';
import type { AnyDoc, ParsedDocument } from './parse-document.ts';
import { YAML_LIMITS } from './parse-yaml.ts';
import { startReadAhead } from './read-ahead.ts';
import { RepoModel } from './repo-model.ts';
import { joinRepoPath } from './repo-path.ts';
import { requireRepositoryRoot } from './repository-root.ts';
import { createSchemaValidator, type SchemaValidator } from './validate-schema.ts';

/**
 * Reads every schemas/*.schema.json of a repository, keyed by name. Edge.
 * Synchronous, like the listing below: a score of small files read through the
 * thread pool cost four round trips each (~20 ms of lint's start-up).
 */
export async function readSchemas(root: string): Promise<Record<string, object>> {
  const dir = path.join(root, 'schemas');
  const out: Record<string, object> = {};
  for (const f of readdirOrEmpty(dir).sort()) {
    if (f.endsWith('.schema.json')) out[f.slice(0, -'.schema.json'.length)] = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as object;
  }
  return out;
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectoryNoFollow(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Lists candidate document files (repository-relative), refusing links that leave the repository. Edge.
 * Synchronous: a few dozen folders, and awaiting each readdir and realpath cost
 * more than the calls themselves (~35 ms against ~12 ms at ten thousand files).
 */
function listDocumentFiles(root: string, diagnostics: Diagnostic[]): string[] {
  const realRoot = realpathSync(root);
  const out: string[] = [];
  const visited = new Set<string>();
  function walk(rel: string): void {
    const dir = path.join(root, rel);
    const real = realpathOrUndefined(dir);
    if (!real || visited.has(real)) return; // a link back into a folder already read is read once
    visited.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childRel = `${rel}/${e.name}`;
      if (e.isSymbolicLink()) {
        const target = realpathOrUndefined(path.join(root, childRel));
        if (!target || !(target === realRoot || target.startsWith(realRoot + path.sep))) {
          diagnostics.push(
            diagnostic('repo.escapes', { file: childRel, line: 1, col: 1 }, `${childRel} is a link to ${target ?? 'a missing file'}, outside the repository; it is not read`, {
              hint: 'replace the link with the file itself, inside the repository',
            }),
          );
          continue;
        }
        const s = statSync(target);
        if (s.isDirectory()) walk(childRel);
        else if (s.isFile()) out.push(childRel);
      } else if (e.isDirectory()) walk(childRel);
      else if (e.isFile()) out.push(childRel);
    }
  }
  for (const top of DOCUMENT_ROOTS) {
    if (isDirectoryNoFollow(path.join(root, top))) walk(top);
  }
  return out.sort();
}

export interface ReadRepoOptions {
  validator?: SchemaValidator;
  /**
   * Load files in a worker thread beside this one (parse + validate split across
   * two cores). Off unless OPSGATE_READ_WORKER=1: the worker adds CPU (its own
   * start-up and JIT warm-up, and copying the documents back: +0.7–0.8 s at 10k
   * documents) and shortened no measured run (README, Performance). `'all'`: the
   * worker claims every chunk and this thread only loads what it leaves (tests).
   */
  worker?: boolean | 'all';
  /** Told how many chunks of how many the worker thread loaded (tests, benchmarks). */
  onWorkerDone?: (loaded: { chunks: number; of: number }) => void;
  /**
   * Read the files on a second thread ahead of the parser (read-ahead.ts): on
   * unless false or OPSGATE_READ_AHEAD=0, and not with the worker above.
   */
  readAhead?: boolean;
}

/** Files per claim from the shared counter: small enough to balance two threads, large enough that messages stay few. */
const CHUNK = 64;

/** Reads the whole repository into a RepoModel. All problems become diagnostics; it never throws on bad documents. Edge. */
export async function readRepo(root: string, options: ReadRepoOptions = {}): Promise<RepoModel> {
  await requireRepositoryRoot(root);
  const diagnostics: Diagnostic[] = [];
  const useWorker = options.worker ?? (!options.validator && process.env.OPSGATE_READ_WORKER === '1');
  // Started first: the reader thread's start-up overlaps reading the schemas and listing the files.
  const ahead = !useWorker && (options.readAhead ?? process.env.OPSGATE_READ_AHEAD !== '0') ? startReadAhead(YAML_LIMITS.maxBytes) : undefined;
  let files: string[];
  let results: ParsedDocument[];
  try {
    const schemas = options.validator ? undefined : await readSchemas(root);
    const validator = options.validator ?? createSchemaValidator(schemas!);
    files = listDocumentFiles(root, diagnostics).filter(isGovernedFile);
    if (useWorker && schemas) results = await loadInTwoThreads(root, files, schemas, validator, useWorker === 'all', options.onWorkerDone);
    else {
      // Each path matched once: the files loadFile reads, in the order it reads them (a file no kind matches is reported without reading).
      const matches = files.map((rel) => ({ match: matchKind(rel) }));
      ahead?.begin(files.filter((_, i) => matches[i]!.match).map((rel) => joinRepoPath(root, rel)));
      results = files.map((rel, i) => loadFile(root, rel, validator, ahead, matches[i]));
    }
  } finally {
    // Also when reading the schemas or listing failed: no reader thread is left waiting.
    ahead?.close();
  }
  const docs: AnyDoc[] = [];
  for (const r of results) {
    diagnostics.push(...r.diagnostics);
    if (r.doc) docs.push(r.doc);
  }
  return new RepoModel(root, docs, diagnostics, new Set(files));
}

/**
 * Loads `files` in this thread and one worker thread, each claiming chunks from a
 * shared counter, so a worker that starts late or runs on a busy core simply takes
 * fewer. The results are put back in file order, so the model and its diagnostics
 * are the same as one thread's: a document the worker read with the positional
 * parser, and any chunk a failed worker claimed, is loaded again here.
 */
async function loadInTwoThreads(
  root: string,
  files: string[],
  schemas: Record<string, object>,
  validator: SchemaValidator,
  workerOnly: boolean,
  onDone?: ReadRepoOptions['onWorkerDone'],
): Promise<ParsedDocument[]> {
  const claims = new SharedArrayBuffer(4);
  const counter = new Int32Array(claims);
  const results: (ParsedDocument | undefined)[] = new Array(files.length);
  const theirs = new Map<number, PortableResult[]>();
  const finished = new Promise<void>((resolve) => {
    let w: Worker;
    try {
      w = new Worker(workerEntry(), { workerData: { root, files, schemas, claims, chunk: CHUNK } });
    } catch {
      resolve();
      return;
    }
    w.on('message', (m: { chunk: number; results: PortableResult[] } | { done: true }) => {
      if ('done' in m) {
        resolve();
        void w.terminate();
      } else theirs.set(m.chunk, m.results);
    });
    w.once('error', () => resolve());
    w.once('exit', () => resolve());
  });
  for (let c = workerOnly ? Infinity : Atomics.add(counter, 0, 1); c * CHUNK < files.length; c = Atomics.add(counter, 0, 1)) {
    for (let i = c * CHUNK; i < Math.min(files.length, (c + 1) * CHUNK); i++) results[i] = loadFile(root, files[i]!, validator);
  }
  await finished;
  onDone?.({ chunks: theirs.size, of: Math.ceil(files.length / CHUNK) });
  for (const [c, list] of theirs) {
    list.forEach((p, k) => {
      const i = c * CHUNK + k;
      if ('redo' in p) return;
      const doc = fromPortable(p);
      results[i] = { diagnostics: p.diagnostics, ...(doc ? { doc } : {}) };
    });
  }
  // What the worker left (a document it cannot send, or a chunk it claimed and never posted): loaded here.
  for (let i = 0; i < files.length; i++) results[i] ??= loadFile(root, files[i]!, validator);
  return results as ParsedDocument[];
}

/** From the bundle (scripts/bin/build.mjs), its read-worker.js beside this chunk; from the sources, a shim that registers tsx. */
function workerEntry(): string | URL {
  const bundled = new URL('./read-worker.js', import.meta.url);
  return existsSync(bundled) ? bundled : codePath('scripts/repo/read-worker.mjs');
}
