import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { strayFileDiagnostic } from './governed.ts';
import { matchKind, type KindMatch } from './kinds.ts';
import { parseDocumentText, type AnyDoc, type ParsedDocument } from './parse-document.ts';
import { lazyLocator, YAML_LIMITS } from './parse-yaml.ts';
import { joinRepoPath } from './repo-path.ts';
import type { ReadAhead } from './read-ahead.ts';
import type { SchemaValidator } from './validate-schema.ts';

// One buffer for every read: a document fits in it, and a read that fills it is over the limit.
const readBuffer = Buffer.allocUnsafe(YAML_LIMITS.maxBytes + 1);

/**
 * The file's bytes, or its size when it is over the document limit (never read
 * whole). Synchronous on purpose: small files from the page cache cost four
 * thread-pool round trips each when read asynchronously, which dominated lint
 * time at ten thousand documents. readRepo's reader thread (read-ahead.ts)
 * reads the same way, off this thread; this is what a file it left reads.
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
    // A view, not a copy: loadFile parses it before the next read, and nothing keeps the bytes.
    return readBuffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * One governed file of the repository, read (by `ahead`'s thread when it has
 * read it), parsed and validated: what readRepo does per file, in either thread.
 * `known.match`: `matchKind(rel)`, when the caller has it already. Edge.
 */
export function loadFile(root: string, rel: string, validator: SchemaValidator, ahead?: ReadAhead, known?: { match: KindMatch | undefined }): ParsedDocument {
  const match = known ? known.match : matchKind(rel);
  if (!match) return { diagnostics: [strayFileDiagnostic(rel)] };
  const abs = joinRepoPath(root, rel);
  const taken = ahead?.take(abs);
  const bytes = taken ?? readCapped(abs);
  if (typeof bytes === 'number') {
    return {
      diagnostics: [
        diagnostic('yaml.too-large', { file: rel, line: 1, col: 1 }, `file is ${bytes} bytes; documents may be at most ${YAML_LIMITS.maxBytes} bytes`, {
          hint: 'split the document or remove generated content',
        }),
      ],
    };
  }
  // The reader's byte facts belong to the bytes it handed over, never to a file read here; and only its bytes last (read-ahead.ts).
  const fromReader = taken instanceof Uint8Array;
  return parseDocumentText(bytes, rel, validator, { facts: fromReader ? ahead!.facts() : undefined, match, lasting: fromReader });
}

/** A loaded file as a worker thread posts it: plain data (the document's `locate` becomes the text it reads), or `redo` for the main thread. */
export type PortableResult = { diagnostics: Diagnostic[]; doc?: Omit<AnyDoc, 'locate'>; source?: { text: string; lineOffset: number } } | { redo: true };

export function toPortable(r: ParsedDocument): PortableResult {
  if (!r.doc) return { diagnostics: r.diagnostics };
  // A document read by the positional parser locates through its syntax tree, which does not cross threads: read it again there.
  if (!r.source) return { redo: true };
  const d = r.doc;
  return {
    diagnostics: r.diagnostics,
    doc: { kind: d.kind, id: d.id, file: d.file, data: d.data, sha256: d.sha256, ...(d.body !== undefined ? { body: d.body } : {}) } as Omit<AnyDoc, 'locate'>,
    // Read out: a fast-read document's source decodes its text when asked (parse-document.ts, keptBytes), and a clone copies no getter.
    source: { text: r.source.text, lineOffset: r.source.lineOffset },
  };
}

/** The document again, as parseDocumentText built it, with its lazy locator over the text. */
export function fromPortable(p: { doc?: Omit<AnyDoc, 'locate'>; source?: { text: string; lineOffset: number } }): AnyDoc | undefined {
  const d = p.doc;
  if (!d || !p.source) return undefined;
  return { kind: d.kind, id: d.id, file: d.file, data: d.data, locate: lazyLocator(p.source.text, p.source.lineOffset), sha256: d.sha256, ...(d.body !== undefined ? { body: d.body } : {}) } as AnyDoc;
}
