import * as crypto from 'node:crypto';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { matchKind, type DocumentKind, type KindData, type KindMatch } from './kinds.ts';
import { lazyLocator, parseYamlText, type Located } from './parse-yaml.ts';
import { splitFrontMatter } from './front-matter.ts';
import type { ByteFacts } from './byte-facts.ts';
import { keepCopy } from './byte-arena.ts';
import { checkEncoding, decodeUtf8 } from './encoding.ts';
import type { SchemaValidator } from './validate-schema.ts';

/** One loaded document: its data plus where every value came from. */
export interface Doc<K extends DocumentKind = DocumentKind> {
  kind: K;
  id: string;
  /** Repository-relative path, forward slashes. */
  file: string;
  data: KindData[K];
  locate: (pointer: string, opts?: { key?: boolean }) => Located;
  /** sha256 of the file's bytes, for evidence. */
  sha256: string;
  /** Markdown body (runbooks only). */
  body?: string;
}

export type AnyDoc = { [K in DocumentKind]: Doc<K> }[DocumentKind];

export interface ParsedDocument {
  doc?: AnyDoc;
  diagnostics: Diagnostic[];
  /** When the document loaded on the fast path: the text its `locate` reads (a worker thread sends it instead of the function). */
  source?: { text: string; lineOffset: number };
}

// One-shot hashing (Node ≥ 20.12) skips the Hash object per document; same digest.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/**
 * Parses and validates one document file. Pure: bytes in, a typed document or
 * located diagnostics out. A document is returned only when it is valid.
 * `known`: what the caller already has: the read-ahead thread's facts about these
 * bytes (byte-facts.ts), `matchKind(file)` (loadFile matched it to decide to read it),
 * and `lasting`: the bytes are never written over (the read-ahead thread's), so a
 * document may keep them as they are.
 */
export function parseDocumentText(
  input: Uint8Array | string,
  file: string,
  validator: SchemaValidator,
  known: { facts?: ByteFacts | undefined; match?: KindMatch | undefined; lasting?: boolean } = {},
): ParsedDocument {
  const { facts } = known;
  const match = known.match ?? matchKind(file);
  if (!match)
    return {
      diagnostics: [
        diagnostic('repo.unknown-location', { file, line: 1, col: 1 }, `${file} is not in a folder that holds documents`, {
          hint: 'see the layout in README.md: e.g. changes/2026/CHG-2026-0001.yaml, inventory/hosts/web-01.yaml',
        }),
      ],
    };
  const sha256 = facts ? facts.sha256 : oneShot ? oneShot('sha256', input, 'hex') : crypto.createHash('sha256').update(input).digest('hex');
  let yamlInput: Uint8Array | string = input;
  let lineOffset = 0;
  let body: string | undefined;
  if (match.kind === 'runbook') {
    let text: string;
    if (typeof input === 'string') text = input;
    else {
      const enc = checkEncoding(input, file, 0, facts);
      if ('diagnostic' in enc) return { diagnostics: [enc.diagnostic] };
      text = enc.text;
    }
    const fm = splitFrontMatter(text);
    if (!fm)
      return {
        diagnostics: [
          diagnostic('runbook.front-matter', { file, line: 1, col: 1 }, 'the runbook has no YAML front matter', {
            hint: 'start the file with a --- line, the fields (id, title, owner, review_every_days, last_reviewed), and a closing --- line',
          }),
        ],
      };
    yamlInput = fm.yaml;
    lineOffset = 1;
    body = fm.body;
  }
  const parsed = parseYamlText(yamlInput, file, lineOffset, facts);
  if (parsed.data === undefined) return { diagnostics: parsed.diagnostics };
  const diagnostics: Diagnostic[] = [];
  if (!validator.has(match.schema)) {
    return {
      diagnostics: [
        diagnostic('schema.missing', { file, line: 1, col: 1 }, `no schema for ${match.kind} documents (expected schemas/${match.schema}.schema.json)`, {
          hint: 'restore the schema file from the default branch',
        }),
      ],
    };
  }
  diagnostics.push(...validator.validate(match.schema, parsed.data, file, parsed.locate));
  const id = (parsed.data as { id?: unknown }).id;
  if (typeof id === 'string' && id !== match.expectedId) {
    diagnostics.push(
      diagnostic('document.id-mismatch', { file, ...parsed.locate('/id') }, `id '${id}' does not match the file name '${match.expectedId}'`, {
        pointer: '/id',
        hint: `rename the file to ${id} or set id: ${match.expectedId}`,
      }),
    );
  }
  if (match.year && typeof id === 'string' && !id.includes(`-${match.year}-`)) {
    diagnostics.push(
      diagnostic('document.wrong-year-folder', { file, ...parsed.locate('/id') }, `${id} is filed under ${match.year}/`, {
        pointer: '/id',
        hint: 'file the document under the folder of the year in its id',
      }),
    );
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  // A document read fast locates from its bytes (see keptBytes), its text decoded again only if asked.
  const kept = parsed.source && typeof yamlInput !== 'string' ? keptBytes(yamlInput, parsed.source.lineOffset, known.lasting === true) : parsed;
  const doc = { kind: match.kind, id: id as string, file, data: parsed.data, locate: kept.locate, sha256, ...(body !== undefined ? { body } : {}) } as AnyDoc;
  return { doc, diagnostics, ...(kept.source ? { source: kept.source } : {}) };
}

/**
 * The locator and source of a document the fast reader read, kept over its bytes
 * instead of its decoded text. A document's text is a two-byte string when it
 * holds Chinese (about 28 MB at ten thousand documents), and a text every
 * document kept alive survived every garbage collection of the read, each copying
 * it; the bytes are half the size and outside the collected heap. The values the
 * fast reader returns are copies, never views of the text (fast-yaml-scalars.ts),
 * so nothing else keeps it. The text is decoded again the same way
 * (checkEncoding's decodeUtf8) when a diagnostic asks where something is, or a
 * worker thread sends the source, so it is the text the document was read from.
 * The bytes are the read-ahead thread's shared memory itself when `lasting`
 * (read-ahead.ts never writes over them), else a copy: the single read buffer
 * is reused for the next file (byte-arena.ts).
 */
function keptBytes(view: Uint8Array, lineOffset: number, lasting: boolean): { locate: AnyDoc['locate']; source: NonNullable<ParsedDocument['source']> } {
  const bytes = lasting ? view : keepCopy(view);
  let locate: AnyDoc['locate'] | undefined;
  return {
    locate: (pointer, opts) => (locate ??= lazyLocator(decodeUtf8(bytes), lineOffset))(pointer, opts),
    source: new BytesSource(bytes, lineOffset),
  };
}

/** A source whose text is decoded when read: a class, so ten thousand of them share one shape (an object literal's getter made each its own dictionary). */
class BytesSource {
  constructor(
    private readonly bytes: Uint8Array,
    readonly lineOffset: number,
  ) {}
  get text(): string {
    return decodeUtf8(this.bytes);
  }
}
