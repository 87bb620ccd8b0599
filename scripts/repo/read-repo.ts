import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { isGovernedFile, strayFileDiagnostic } from './governed.ts';
import { DOCUMENT_ROOTS, matchKind } from './kinds.ts';
import { parseDocumentText, type AnyDoc } from './parse-document.ts';
import { YAML_LIMITS } from './parse-yaml.ts';
import { RepoModel } from './repo-model.ts';
import { createSchemaValidator, type SchemaValidator } from './validate-schema.ts';

/** Reads every schemas/*.schema.json of a repository, keyed by name. Edge. */
export async function readSchemas(root: string): Promise<Record<string, object>> {
  const dir = path.join(root, 'schemas');
  const out: Record<string, object> = {};
  for (const f of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (f.endsWith('.schema.json')) out[f.slice(0, -'.schema.json'.length)] = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as object;
  }
  return out;
}

/** Lists candidate document files (repository-relative), refusing links that leave the repository. Edge. */
async function listDocumentFiles(root: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const realRoot = await realpath(root);
  const out: string[] = [];
  const visited = new Set<string>();
  async function walk(rel: string): Promise<void> {
    const real = await realpath(path.join(root, rel)).catch(() => undefined);
    if (!real || visited.has(real)) return; // a link back into a folder already read is read once
    visited.add(real);
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const childRel = `${rel}/${e.name}`;
      if (e.isSymbolicLink()) {
        const target = await realpath(path.join(root, childRel)).catch(() => undefined);
        if (!target || !(target === realRoot || target.startsWith(realRoot + path.sep))) {
          diagnostics.push(
            diagnostic('repo.escapes', { file: childRel, line: 1, col: 1 }, `${childRel} is a link to ${target ?? 'a missing file'}, outside the repository; it is not read`, {
              hint: 'replace the link with the file itself, inside the repository',
            }),
          );
          continue;
        }
        const s = await stat(target);
        if (s.isDirectory()) await walk(childRel);
        else if (s.isFile()) out.push(childRel);
      } else if (e.isDirectory()) await walk(childRel);
      else if (e.isFile()) out.push(childRel);
    }
  }
  for (const top of DOCUMENT_ROOTS) {
    const s = await lstat(path.join(root, top)).catch(() => undefined);
    if (s?.isDirectory()) await walk(top);
  }
  return out.sort();
}

// One buffer for every read: a document fits in it, and a read that fills it is over the limit.
const readBuffer = Buffer.allocUnsafe(YAML_LIMITS.maxBytes + 1);

/**
 * The file's bytes, or its size when it is over the document limit (never read
 * whole). Synchronous on purpose: small files from the page cache cost four
 * thread-pool round trips each when read asynchronously, which dominated lint
 * time at ten thousand documents.
 */
function readCapped(abs: string): Uint8Array | number {
  const fd = openSync(abs, 'r');
  try {
    let n = 0;
    for (;;) {
      const got = readSync(fd, readBuffer, n, readBuffer.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === readBuffer.length) return fstatSync(fd).size;
    }
    return Buffer.from(readBuffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

export interface ReadRepoOptions {
  validator?: SchemaValidator;
}

/** Reads the whole repository into a RepoModel. All problems become diagnostics; it never throws on bad documents. Edge. */
export async function readRepo(root: string, options: ReadRepoOptions = {}): Promise<RepoModel> {
  const diagnostics: Diagnostic[] = [];
  const validator = options.validator ?? createSchemaValidator(await readSchemas(root));
  const files = (await listDocumentFiles(root, diagnostics)).filter(isGovernedFile);
  const docs: AnyDoc[] = [];
  for (const rel of files) {
    if (!matchKind(rel)) {
      diagnostics.push(strayFileDiagnostic(rel));
      continue;
    }
    const bytes = readCapped(path.join(root, rel));
    if (typeof bytes === 'number') {
      diagnostics.push(
        diagnostic('yaml.too-large', { file: rel, line: 1, col: 1 }, `file is ${bytes} bytes; documents may be at most ${YAML_LIMITS.maxBytes} bytes`, {
          hint: 'split the document or remove generated content',
        }),
      );
      continue;
    }
    const result = parseDocumentText(bytes, rel, validator);
    diagnostics.push(...result.diagnostics);
    if (result.doc) docs.push(result.doc);
  }
  return new RepoModel(root, docs, diagnostics, new Set(files));
}
