/**
 * Guards that keep the positional parser (the `yaml` library) linear on hostile
 * files. A pull request can add any bytes under changes/; a 1 MiB file of nested
 * flow brackets, of thousands of keys beside one anchor, or of one error per line
 * used to take the library from seconds to minutes (found by a hostile-input sweep:
 * 800 KB of `[` lines ran past 60 s; 40,000 keys with anchors 74 s). Pure.
 */
import type { Document } from 'yaml';

/**
 * The offset where flow collections (`[`, `{`) first nest deeper than `max`, or
 * undefined. A bracket counts where YAML reads it as one: anywhere inside a flow
 * collection, and in block context only where a node starts (at the start of a
 * line, after `key: `, `- `, `? `, or an anchor or tag); never inside quotes or
 * comments, never inside a plain scalar (`cmd: test [ -f x ]`). When unsure it
 * counts less, so it refuses no document the library would read as shallow.
 */
export function deepFlowOffset(text: string, max: number): number | undefined {
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    const prev = i === 0 ? 0x0a : text.charCodeAt(i - 1);
    if (c === 0x23 /* # */ && (prev === 0x20 || prev === 0x09 || prev === 0x0a)) {
      const nl = text.indexOf('\n', i);
      if (nl === -1) return undefined;
      i = nl;
    } else if (c === 0x22 || c === 0x27) {
      // A quote opens a scalar only where a scalar starts: after blank, a flow indicator or a colon.
      if (prev <= 0x20 || prev === 0x5b || prev === 0x7b || prev === 0x2c || prev === 0x3a) quote = c;
    } else if (c === 0x5b || c === 0x7b) {
      if (depth > 0 || opensBlockNode(text, i)) {
        if (++depth > max) return i;
      }
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

/** In block context, whether the bracket at `at` starts a node (and so a flow collection), not the inside of a plain scalar. */
function opensBlockNode(text: string, at: number): boolean {
  let j = at - 1;
  while (j >= 0 && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09)) j--;
  if (j < 0 || text.charCodeAt(j) === 0x0a) return true; // first on its line
  if (j === at - 1) return false; // no blank before it: inside a word
  const p = text.charCodeAt(j);
  if (p === 0x3a || p === 0x2d || p === 0x3f) return true; // `key: [`, `- [`, `? [`
  // `&anchor [` or `!tag [`: the token before the blank starts with & or !
  let k = j;
  while (k >= 0 && text.charCodeAt(k) > 0x20) k--;
  const first = text.charCodeAt(k + 1);
  return first === 0x26 || first === 0x21;
}

/** Runs `f` without capturing stack traces: the library builds one Error per problem, and a hostile file has one per line. */
export function withoutStackTraces<T>(f: () => T): T {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = saved;
  }
}

interface KeyedNode {
  range?: [number, number, number] | null;
}

/**
 * The offsets of repeated keys, in the order the library reports them (by offset), with what the library's own
 * `uniqueKeys: true` reports (two scalar keys are the same when their values are
 * ===), in one pass with a set per mapping instead of its scan of every earlier key
 * (quadratic: 10,000 keys took 0.75 s, 40,000 took over a minute).
 */
export function duplicateKeyOffsets(doc: Document, lib: Pick<typeof import('yaml'), 'isMap' | 'isPair' | 'isScalar' | 'isSeq' | 'isNode'>): number[] {
  const out: number[] = [];
  const stack: unknown[] = [doc.contents];
  const seen = new Set<unknown>();
  while (stack.length) {
    const node = stack.pop();
    if (!lib.isNode(node) || seen.has(node)) continue;
    seen.add(node);
    if (lib.isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (lib.isScalar(key) && !Number.isNaN(key.value)) {
          if (keys.has(key.value)) {
            const at = (key as KeyedNode).range?.[0];
            if (at !== undefined) out.push(at);
          } else keys.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (lib.isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  // Keys precede their values in the text, so the library finds repeats in offset order.
  return out.sort((a, b) => a - b);
}
