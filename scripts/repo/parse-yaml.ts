import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import type { Document, Node } from 'yaml';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ByteFacts } from './byte-facts.ts';
import { checkEncoding } from './encoding.ts';
import { parseFastYaml } from './fast-yaml.ts';
import { decodePointer, fastLocator, lineColOf, type FastLocate } from './fast-locate.ts';
import { deepFlowOffset, duplicateKeyOffsets, withoutStackTraces } from './yaml-guards.ts';

// The positional parser (the `yaml` library, ~0.1 s to load) is loaded on first use: the fast
// path needs it only to locate a diagnostic, and a lint worker thread may never need it.
const requireLazy = createRequire(import.meta.url);
let yamlLib: typeof YamlLib | undefined;
const Y = (): typeof YamlLib => (yamlLib ??= requireLazy('yaml') as typeof YamlLib);

/** Limits that keep hostile files from hanging or exhausting the linter. */
export const YAML_LIMITS = {
  maxBytes: 1024 * 1024,
  maxLineLength: 64 * 1024,
  maxDepth: 64,
  maxAliasCount: 100,
  /** Problems reported per file; past them, one line says how many more (each usually follows from the first). */
  maxProblems: 50,
} as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CORE_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

export interface Located {
  line: number;
  col: number;
}

export interface ParsedYaml {
  /** The document as plain data; undefined when it could not be read safely. */
  data: unknown;
  /** Maps a JSON pointer to the position of its value (or, with `key`, its key); falls back to the nearest ancestor. */
  locate: (pointer: string, opts?: { key?: boolean }) => Located;
  diagnostics: Diagnostic[];
  /** Set by the fast path: the text `locate` reads positions from (lazyLocator rebuilds it elsewhere). */
  source?: { text: string; lineOffset: number };
}

/**
 * Parses one YAML document with positions. Pure: bytes in, data + diagnostics out.
 * `lineOffset` shifts reported lines (front matter inside Markdown). `facts`: what the
 * read-ahead thread established about the bytes the input is (or, as a string, is part of).
 */
export function parseYamlText(input: Uint8Array | string, file: string, lineOffset = 0, facts?: ByteFacts): ParsedYaml {
  const atFile = { file, line: 1 + lineOffset, col: 1 };
  const noLocate = (): Located => ({ line: 1 + lineOffset, col: 1 });
  const fail = (d: Diagnostic): ParsedYaml => ({ data: undefined, locate: noLocate, diagnostics: [d] });

  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > YAML_LIMITS.maxBytes) {
    return fail(
      diagnostic('yaml.too-large', atFile, `file is ${size} bytes; documents may be at most ${YAML_LIMITS.maxBytes} bytes`, {
        hint: 'split the document or remove generated content; opsgate documents are small by design',
      }),
    );
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const enc = checkEncoding(input, file, lineOffset, facts);
    if ('diagnostic' in enc) return fail(enc.diagnostic);
    text = enc.text;
  }
  const longLine = findLongLine(text);
  if (longLine)
    return fail(
      diagnostic('yaml.line-too-long', { file, line: longLine + lineOffset, col: 1 }, `line is longer than ${YAML_LIMITS.maxLineLength} characters`, {
        hint: 'wrap long values with a YAML block scalar (|) or move data out of the document',
      }),
    );
  if (text.trim() === '') return fail(diagnostic('yaml.empty', atFile, 'the file is empty; expected a YAML mapping (key: value lines)', { hint: 'add the document, or delete the file' }));
  return parseFast(text, lineOffset, facts?.plain === true) ?? parseWithPositions(text, file, lineOffset);
}

/** The same checks with the positional parser only: the reference the fast path is held equal to (tests, parity). */
export function parseYamlTextPositional(text: string, file: string, lineOffset = 0): ParsedYaml {
  return parseWithPositions(text, file, lineOffset);
}

/**
 * The fast path: a hand-written reader (fast-yaml.ts) for the YAML opsgate
 * documents use, which returns exactly what the positional parser would, or
 * undefined when it is not certain (anchors, aliases, tags, duplicate or
 * forbidden keys, deep nesting, anything unusual). Positions are computed
 * lazily, only when a diagnostic needs one. Undefined takes the positional
 * path, which produces the located diagnostics.
 */
function parseFast(text: string, lineOffset: number, plain: boolean): ParsedYaml | undefined {
  const data = parseFastYaml(text, plain);
  if (data === undefined) return undefined;
  return { data, locate: lazyLocator(text, lineOffset), diagnostics: [], source: { text, lineOffset } };
}

/**
 * The fast path's locator (also for a document loaded in a worker thread):
 * positions from the fast reader reading the text again (fast-locate.ts), and
 * from the `yaml` library only where those are not certain, so a run whose
 * diagnostics are all on fast-read documents need not load the library.
 */
export function lazyLocator(text: string, lineOffset: number): ParsedYaml['locate'] {
  let fast: FastLocate | null | undefined;
  let positional: ParsedYaml['locate'] | undefined;
  return (pointer: string, opts?: { key?: boolean }): Located => {
    if (fast === undefined) fast = fastLocator(text) ?? null;
    const offset = fast?.(pointer, opts?.key ?? false);
    if (offset !== undefined) {
      const p = lineColOf(text, offset);
      return { line: p.line + lineOffset, col: p.col };
    }
    positional ??= locatorFor(text, lineOffset);
    return positional(pointer, opts);
  };
}

/** Positions only (no checks, no conversion): for diagnostics about a document that loaded fast. */
function locatorFor(text: string, lineOffset: number): ParsedYaml['locate'] {
  const lineCounter = new (Y().LineCounter)();
  const doc = Y().parseDocument(text, { lineCounter, schema: 'core' });
  const pos = (offset: number): Located => {
    const p = lineCounter.linePos(offset);
    return { line: p.line + lineOffset, col: p.col };
  };
  return (pointer, opts = {}) => locateNode(doc, pointer, opts.key ?? false, pos) ?? pos(0);
}

/** The positional path: the `yaml` library's CST, every node mapped to its line and column. */
function parseWithPositions(text: string, file: string, lineOffset: number): ParsedYaml {
  const atFile = { file, line: 1 + lineOffset, col: 1 };
  const noLocate = (): Located => ({ line: 1 + lineOffset, col: 1 });
  const fail = (d: Diagnostic): ParsedYaml => ({ data: undefined, locate: noLocate, diagnostics: [d] });
  const lineCounter = new (Y().LineCounter)();
  const tooDeep = deepFlowOffset(text, YAML_LIMITS.maxDepth);
  if (tooDeep !== undefined) {
    // Found before the library sees it: deep flow nesting is where it slows to minutes.
    const before = text.slice(0, tooDeep);
    const line = before.split('\n').length;
    return fail(
      diagnostic('yaml.too-deep', { file, line: line + lineOffset, col: tooDeep - before.lastIndexOf('\n') }, `nesting deeper than ${YAML_LIMITS.maxDepth} levels`, {
        hint: 'flatten the structure; no opsgate document nests this deep',
      }),
    );
  }
  // Repeated keys are found by duplicateKeyOffsets (linear), not the library's uniqueKeys (quadratic).
  const parseAll = () => withoutStackTraces(() => Y().parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true, schema: 'core' }));
  let docs: ReturnType<typeof parseAll>;
  try {
    docs = parseAll();
  } catch (e) {
    // yaml composes recursively; a pathological input may still overflow the stack outside its own guard.
    return fail(
      diagnostic(isStackOverflow(e) ? 'yaml.too-deep' : 'yaml.syntax', atFile, isStackOverflow(e) ? `nesting deeper than ${YAML_LIMITS.maxDepth} levels` : 'could not parse the file as YAML', {
        hint: 'flatten the structure; no opsgate document nests this deep',
      }),
    );
  }
  const pos = (offset: number): Located => {
    const p = lineCounter.linePos(offset);
    return { line: p.line + lineOffset, col: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  if (!Array.isArray(docs)) return fail(diagnostic('yaml.syntax', atFile, 'could not parse the file as YAML'));
  if (docs.length > 1) {
    const second = docs[1]!;
    diagnostics.push(
      diagnostic('yaml.multiple-documents', { file, ...pos(second.range[0]) }, `the file holds ${docs.length} YAML documents; expected exactly one`, {
        hint: 'put each document in its own file (remove the --- separator)',
      }),
    );
  }
  const doc = docs[0];
  if (!doc) return fail(diagnostic('yaml.empty', atFile, 'the file holds no YAML document'));
  const repeated = duplicateKeyOffsets(doc, Y());
  let r = 0;
  const duplicateKeysBefore = (offset: number) => {
    for (; r < repeated.length && repeated[r]! <= offset; r++)
      diagnostics.push(
        diagnostic('yaml.duplicate-key', { file, ...pos(repeated[r]!) }, 'Map keys must be unique', {
          hint: 'each key may appear once in a mapping: remove or rename the repeated key',
        }),
      );
  };
  for (const e of doc.errors) {
    duplicateKeysBefore(e.pos[0]);
    if (isStackOverflow(e)) {
      // yaml reports runaway recursion (thousands of nested [ or - ) as an error at the node where it gave up.
      if (!diagnostics.some((d) => d.code === 'yaml.too-deep'))
        diagnostics.push(
          diagnostic('yaml.too-deep', { file, ...pos(e.pos[0]) }, `nesting deeper than ${YAML_LIMITS.maxDepth} levels`, { hint: 'flatten the structure; no opsgate document nests this deep' }),
        );
      continue;
    }
    const code = e.code === 'DUPLICATE_KEY' ? 'yaml.duplicate-key' : 'yaml.syntax';
    const hint = code === 'yaml.duplicate-key' ? 'each key may appear once in a mapping: remove or rename the repeated key' : 'check indentation, quoting and the colon after each key';
    diagnostics.push(diagnostic(code, { file, ...pos(e.pos[0]) }, e.message.split('\n')[0]!, { hint }));
  }
  duplicateKeysBefore(Infinity);
  if (diagnostics.length) return { data: undefined, locate: noLocate, diagnostics: capped(diagnostics, file) };

  diagnostics.push(...checkNodes(doc, file, pos));
  if (diagnostics.length) return { data: undefined, locate: noLocate, diagnostics };

  const locate = (pointer: string, opts: { key?: boolean } = {}): Located => locateNode(doc, pointer, opts.key ?? false, pos) ?? pos(0);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      data: undefined,
      locate,
      diagnostics: [
        diagnostic('yaml.alias-limit', atFile, `aliases expand too far (${message}); at most ${YAML_LIMITS.maxAliasCount} alias expansions are allowed`, {
          hint: 'write the values out instead of using anchors and aliases',
        }),
      ],
    };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = Array.isArray(data) ? 'a list' : data === null ? 'null' : `a ${typeof data}`;
    return {
      data: undefined,
      locate,
      diagnostics: [
        diagnostic('yaml.not-mapping', { file, ...pos(doc.contents?.range?.[0] ?? 0) }, `the document is ${what}; expected a mapping (key: value lines)`, {
          hint: 'start the document with `id: ...` and the fields its schema lists',
        }),
      ],
    };
  }
  return { data, locate, diagnostics: [] };
}

/** At most maxProblems of a file's problems, then one saying how many more there are. */
function capped(diagnostics: Diagnostic[], file: string): Diagnostic[] {
  if (diagnostics.length <= YAML_LIMITS.maxProblems) return diagnostics;
  const shown = diagnostics.slice(0, YAML_LIMITS.maxProblems);
  const last = shown[shown.length - 1]!;
  shown.push(
    diagnostic('yaml.more-problems', { file, line: last.line, col: last.col }, `and ${diagnostics.length - YAML_LIMITS.maxProblems} more problems in this file, not listed`, {
      hint: 'fix the first ones: later problems usually follow from them',
    }),
  );
  return shown;
}

function isStackOverflow(e: unknown): boolean {
  return (e instanceof RangeError || e instanceof Error) && /Maximum call stack size exceeded/.test(e.message);
}

function findLongLine(text: string): number | undefined {
  // No line of a text this short can be too long: the usual document needs no scan.
  if (text.length <= YAML_LIMITS.maxLineLength) return undefined;
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    if (end - start > YAML_LIMITS.maxLineLength) return line;
    if (nl === -1) return undefined;
    start = nl + 1;
    line++;
  }
  return undefined;
}

/** Rejects unknown tags, forbidden keys and excessive nesting, each located. */
function checkNodes(doc: Document, file: string, pos: (offset: number) => Located): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { visit } = Y();
  visit(doc, {
    Node(_key, node, path) {
      const n = node as Node;
      if (path.length > YAML_LIMITS.maxDepth * 2) {
        out.push(
          diagnostic('yaml.too-deep', { file, ...pos(n.range?.[0] ?? 0) }, `nesting deeper than ${YAML_LIMITS.maxDepth} levels`, {
            hint: 'flatten the structure; no opsgate document nests this deep',
          }),
        );
        return visit.BREAK;
      }
      const tag = (n as { tag?: string }).tag;
      if (tag && !CORE_TAGS.has(tag)) {
        out.push(
          diagnostic('yaml.unknown-tag', { file, ...pos(n.range?.[0] ?? 0) }, `tag ${tag} is not allowed; opsgate reads plain YAML only`, {
            hint: 'remove the tag; to include another file, reference it by path',
          }),
        );
      }
      return undefined;
    },
    Pair(_key, pair) {
      if (Y().isScalar(pair.key) && typeof pair.key.value === 'string' && FORBIDDEN_KEYS.has(pair.key.value)) {
        out.push(
          diagnostic('yaml.forbidden-key', { file, ...pos(pair.key.range?.[0] ?? 0) }, `key '${pair.key.value}' is not allowed`, {
            hint: 'rename the key; it would alter object prototypes in JavaScript consumers',
          }),
        );
      }
      if (pair.key !== null && !Y().isScalar(pair.key)) {
        out.push(diagnostic('yaml.complex-key', { file, ...pos((pair.key as Node).range?.[0] ?? 0) }, 'mapping keys must be plain strings', { hint: 'use a simple word as the key' }));
      }
    },
  });
  return out;
}

function locateNode(doc: Document, pointer: string, wantKey: boolean, pos: (offset: number) => Located): Located | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const seg of decodePointer(pointer)) {
    if (Y().isAlias(node)) node = node.resolve(doc);
    if (Y().isMap(node)) {
      const pair = node.items.find((p) => Y().isPair(p) && Y().isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (Y().isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      keyNode = undefined;
      node = item;
    } else break;
  }
  const target = (wantKey && keyNode ? keyNode : (node ?? keyNode)) as Node | undefined;
  const offset = target?.range?.[0];
  return offset === undefined ? undefined : pos(offset);
}
