import { Document, isMap, isScalar, isSeq, parseDocument, stringify, visit, type Pair } from 'yaml';

/**
 * Minimal edits to a YAML document's text: the `yaml` Document API finds the
 * nodes and their source ranges, and only the bytes of the edit change, so
 * comments, flow lists, folded scalars and key order stay exactly as the
 * author wrote them. Top-level keys only (incident documents are flat). Pure.
 */
export class YamlEditError extends Error {}

const FLOW = { lineWidth: 0, flowCollectionPadding: false } as const;

function load(text: string): Document.Parsed {
  const doc = parseDocument(text, { uniqueKeys: true, keepSourceTokens: false });
  if (doc.errors.length) throw new YamlEditError(`the document does not parse: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents) || doc.contents.flow) throw new YamlEditError('the document is not a block mapping');
  return doc;
}

function pairOf(doc: Document.Parsed, key: string): Pair | undefined {
  return (doc.contents as { items: Pair[] }).items.find((p) => isScalar(p.key) && p.key.value === key);
}

/** Offset just past the line on which `offset` lies. */
function endOfLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', Math.max(0, offset - 1));
  return nl === -1 ? text.length : nl + 1;
}

function valueEnd(p: Pair): number {
  const v = p.value as { range?: [number, number, number] } | null;
  const k = p.key as { range?: [number, number, number] };
  return v?.range?.[1] ?? k.range![1];
}

/** Where a new top-level key goes: after the last of `after` present in the document, else at the end. */
function insertionPoint(text: string, doc: Document.Parsed, after: readonly string[]): number {
  let best = -1;
  for (const k of after) {
    const p = pairOf(doc, k);
    if (p) best = Math.max(best, valueEnd(p));
  }
  if (best < 0) return text.length;
  return endOfLine(text, best);
}

function withNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

function splice(text: string, at: number, insert: string): string {
  const head = withNewline(text.slice(0, at));
  return head + insert + text.slice(at);
}

/** Block mappings with lists of scalars and small maps (labels) on one line, as people write them. */
export function blockWithFlowLeaves(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node) {
      if (node !== doc.contents && node.items.length <= 8 && node.items.every((i) => isScalar(i.value))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function render(key: string, value: unknown): string {
  return blockWithFlowLeaves({ [key]: value });
}

export function hasTopKey(text: string, key: string): boolean {
  return pairOf(load(text), key) !== undefined;
}

/** Sets a top-level scalar: its value is replaced in place, or the key is inserted after `after`. */
export function setScalar(text: string, key: string, value: string | number | boolean, after: readonly string[] = []): string {
  const doc = load(text);
  const p = pairOf(doc, key);
  if (p) {
    const v = p.value as { range?: [number, number, number] } | null;
    if (!isScalar(p.value) || !v?.range) throw new YamlEditError(`${key} is not a plain value`);
    const scalar = stringify(value, FLOW).trimEnd();
    return text.slice(0, v.range[0]) + scalar + text.slice(v.range[1]);
  }
  return splice(text, insertionPoint(text, doc, after), render(key, value));
}

/** Sets a top-level mapping (verification, feedback, report): replaced whole, or inserted after `after`. */
export function setMapping(text: string, key: string, value: Record<string, unknown>, after: readonly string[] = []): string {
  const doc = load(text);
  const p = pairOf(doc, key);
  const block = render(key, value);
  if (p) {
    const start = lineStart(text, (p.key as { range: [number, number, number] }).range[0]);
    return text.slice(0, start) + block + text.slice(endOfLine(text, valueEnd(p)));
  }
  return splice(text, insertionPoint(text, doc, after), block);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/**
 * Appends an item to a top-level sequence in the style its items already
 * use (flow `- {at: …}` or block), or creates the sequence after `after`.
 */
export function appendItem(text: string, key: string, item: Record<string, unknown>, after: readonly string[] = []): string {
  const doc = load(text);
  const p = pairOf(doc, key);
  if (!p || p.value === null || (isScalar(p.value) && (p.value.value === null || p.value.value === undefined))) {
    const base = p ? removePair(text, p) : text;
    const d2 = p ? load(base) : doc;
    return splice(base, insertionPoint(base, d2, after), `${key}:\n${renderItem(item, '  ', false)}`);
  }
  if (!isSeq(p.value)) throw new YamlEditError(`${key} is not a list`);
  const seq = p.value;
  if (seq.flow) {
    if (seq.items.length) throw new YamlEditError(`${key} is written as a one-line list; write it as a block list to append`);
    const range = (seq as { range?: [number, number, number] }).range!;
    return text.slice(0, range[0]).replace(/[ \t]*$/, '') + '\n' + renderItem(item, '  ', false) + text.slice(endOfLine(text, range[1]));
  }
  const first = seq.items[0] as { range?: [number, number, number]; flow?: boolean } | undefined;
  const firstStart = first?.range?.[0] ?? (seq as { range: [number, number, number] }).range[0];
  const ls = lineStart(text, firstStart);
  const indent = /^[ \t]*/.exec(text.slice(ls))![0];
  const flowItems = isMap(first) && first.flow === true;
  return splice(text, endOfLine(text, valueEnd(p)), renderItem(item, indent, flowItems));
}

function removePair(text: string, p: Pair): string {
  const start = lineStart(text, (p.key as { range: [number, number, number] }).range[0]);
  return text.slice(0, start) + text.slice(endOfLine(text, valueEnd(p)));
}

function renderItem(item: Record<string, unknown>, indent: string, flow: boolean): string {
  const clean = Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined));
  if (flow) return `${indent}- ${stringify(clean, { ...FLOW, collectionStyle: 'flow' }).trimEnd()}\n`;
  const body = blockWithFlowLeaves(clean).trimEnd().split('\n');
  return body.map((l, i) => `${indent}${i === 0 ? '- ' : '  '}${l}`).join('\n') + '\n';
}
