import { readFastPositions } from './fast-yaml.ts';

/**
 * Positions for a document the fast reader read, without the `yaml` library:
 * the fast reader reads the text again recording where each key and value
 * starts, and a pointer is resolved exactly as parse-yaml.ts's locateNode
 * resolves it in the library's syntax tree (the nearest ancestor when a step is
 * missing). Returns the offset, or undefined when the answer is not certain
 * (the pointer ends on an empty value): the caller then asks the library.
 */
export type FastLocate = (pointer: string, wantKey: boolean) => number | undefined;

export function fastLocator(text: string): FastLocate | undefined {
  const read = readFastPositions(text);
  if (!read) return undefined;
  const { data, positions } = read;
  return (pointer, wantKey) => {
    let node: unknown = data;
    let at = read.at;
    let keyAt: number | undefined;
    for (const seg of decodePointer(pointer)) {
      // A scalar has no children: the library's walk stops there too.
      const entries = node !== null && typeof node === 'object' ? positions.get(node) : undefined;
      if (!entries) break;
      if (entries.keys) {
        const e = entries.keys.get(seg);
        if (!e) break;
        keyAt = e[0];
        at = e[1];
        node = (node as Record<string, unknown>)[seg];
      } else {
        // The same index the library's `items[Number(seg)]` takes (Number('') is 0, '1.5' none).
        const i = Number(seg);
        const item = entries.items![i];
        if (item === undefined) break;
        keyAt = undefined;
        at = item;
        node = (node as unknown[])[i];
      }
    }
    const target = wantKey && keyAt !== undefined ? keyAt : at;
    return target < 0 ? undefined : target;
  };
}

/** A JSON pointer's steps, unescaped (`~1` is `/`, `~0` is `~`). */
export function decodePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Line and column (1-based) of an offset, as the `yaml` library's LineCounter gives them for text without CR. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    start = nl + 1;
  }
  return { line, col: offset - start + 1 };
}
