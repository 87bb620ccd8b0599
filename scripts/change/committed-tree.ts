/**
 * The committed tree at HEAD, read through git objects: what `apply` decides
 * on and sends. Calendar, inventory, access, the change itself, the gate's
 * decisions and every file a change deploys come from the commit, never from
 * the working tree; a symbolic link (mode 120000) is never content, so it
 * cannot point apply at a controller file. Edge: runs git.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { DOCUMENT_ROOTS, matchKind } from '../repo/kinds.ts';
import { parseDocumentText, type AnyDoc } from '../repo/parse-document.ts';
import { YAML_LIMITS } from '../repo/parse-yaml.ts';
import { RepoModel } from '../repo/repo-model.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';

const exec = promisify(execFile);

export interface CommittedEntry {
  path: string;
  /** git mode: 100644, 100755, 120000 (link), 160000 (submodule). */
  mode: string;
  sha: string;
}

export type CommittedFile = { kind: 'file'; bytes: Buffer; blob: string } | { kind: 'missing' | 'link'; why: string };

const REGULAR = new Set(['100644', '100755']);

export class CommittedTree {
  private readonly blobs = new Map<string, Buffer>();

  private constructor(
    readonly root: string,
    readonly commit: string,
    private readonly entries: Map<string, CommittedEntry>,
  ) {}

  /** The tree of `ref` (default HEAD); undefined when the repository has no such commit. */
  static async open(root: string, ref = 'HEAD'): Promise<CommittedTree | undefined> {
    try {
      const commit = (await exec('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root })).stdout.trim();
      const { stdout } = await exec('git', ['ls-tree', '-r', '-z', '--full-tree', commit], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
      const entries = new Map<string, CommittedEntry>();
      for (const rec of stdout.split('\0')) {
        if (!rec) continue;
        const tab = rec.indexOf('\t');
        const [mode, , sha] = rec.slice(0, tab).split(' ') as [string, string, string];
        entries.set(rec.slice(tab + 1), { path: rec.slice(tab + 1), mode, sha });
      }
      return new CommittedTree(root, commit, entries);
    } catch {
      return undefined;
    }
  }

  entry(path: string): CommittedEntry | undefined {
    return this.entries.get(path);
  }

  /** The blob of a regular file, null for a link or submodule, undefined when absent. */
  blob(path: string): string | null | undefined {
    const e = this.entries.get(path);
    if (!e) return undefined;
    return REGULAR.has(e.mode) ? e.sha : null;
  }

  paths(): string[] {
    return [...this.entries.keys()];
  }

  async read(path: string): Promise<CommittedFile> {
    const e = this.entries.get(path);
    if (!e) return { kind: 'missing', why: `${path} is not committed at ${this.commit.slice(0, 12)}` };
    if (!REGULAR.has(e.mode)) return { kind: 'link', why: `${path} is ${e.mode === '120000' ? 'a symbolic link' : 'a submodule'} in the commit; opsgate never follows links: commit the file itself` };
    await this.load([e.sha]);
    return { kind: 'file', bytes: this.blobs.get(e.sha)!, blob: e.sha };
  }

  /** Reads many blobs with one `git cat-file --batch`. */
  async load(shas: readonly string[]): Promise<void> {
    const todo = [...new Set(shas)].filter((s) => !this.blobs.has(s));
    if (!todo.length) return;
    const out = await new Promise<Buffer>((resolve, reject) => {
      const p = spawn('git', ['cat-file', '--batch'], { cwd: this.root, stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      p.stdout.on('data', (c: Buffer) => chunks.push(c));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git cat-file exited ${code}`))));
      p.stdin.end(todo.join('\n') + '\n');
    });
    let at = 0;
    for (const sha of todo) {
      const nl = out.indexOf(10, at);
      const header = out.subarray(at, nl).toString('utf8');
      const [got, type, size] = header.split(' ');
      if (got !== sha || type !== 'blob') throw new Error(`git cat-file: unexpected '${header}' for ${sha}`);
      const n = Number(size);
      this.blobs.set(sha, out.subarray(nl + 1, nl + 1 + n));
      at = nl + 1 + n + 1;
    }
  }
}

function isDocumentCandidate(rel: string): boolean {
  if (rel.startsWith('runbooks/')) return rel.endsWith('.md') && !/\/README\.md$/i.test(rel);
  return /\.ya?ml$/.test(rel);
}

/**
 * The repository model as committed: every document under the document roots
 * and the schemas, read from git objects. A link where a document should be is
 * an error diagnostic, never followed. Same model as readRepo builds from the
 * working tree.
 */
export async function readCommittedRepo(tree: CommittedTree): Promise<RepoModel> {
  const diagnostics: Diagnostic[] = [];
  const roots = DOCUMENT_ROOTS.map((r) => `${r}/`);
  const files = tree
    .paths()
    .filter((p) => roots.some((r) => p.startsWith(r)) && isDocumentCandidate(p))
    .sort();
  const schemaFiles = tree
    .paths()
    .filter((p) => /^schemas\/[^/]+\.schema\.json$/.test(p))
    .sort();
  await tree.load([...files, ...schemaFiles].flatMap((p) => (tree.blob(p) ? [tree.blob(p)!] : [])));
  const schemas: Record<string, object> = {};
  for (const f of schemaFiles) {
    const r = await tree.read(f);
    if (r.kind === 'file') schemas[f.slice('schemas/'.length, -'.schema.json'.length)] = JSON.parse(r.bytes.toString('utf8')) as object;
  }
  const validator = createSchemaValidator(schemas);
  const docs: AnyDoc[] = [];
  for (const rel of files) {
    if (!matchKind(rel)) continue;
    const r = await tree.read(rel);
    if (r.kind !== 'file') {
      diagnostics.push(diagnostic('repo.link', { file: rel, line: 1, col: 1 }, r.why, { hint: 'replace the link with the document itself' }));
      continue;
    }
    if (r.bytes.length > YAML_LIMITS.maxBytes) {
      diagnostics.push(
        diagnostic('yaml.too-large', { file: rel, line: 1, col: 1 }, `file is ${r.bytes.length} bytes; documents may be at most ${YAML_LIMITS.maxBytes} bytes`, {
          hint: 'split the document or remove generated content',
        }),
      );
      continue;
    }
    const result = parseDocumentText(new Uint8Array(r.bytes), rel, validator);
    diagnostics.push(...result.diagnostics);
    if (result.doc) docs.push(result.doc);
  }
  return new RepoModel(tree.root, docs, diagnostics, new Set(files));
}
