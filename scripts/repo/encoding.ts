import { isUtf8 } from 'node:buffer';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ByteFacts } from './byte-facts.ts';

/**
 * Decodes UTF-8 strictly; any other encoding or binary content is a located diagnostic.
 * `facts.utf8` (the reader thread found no NUL and valid UTF-8) skips those two scans. Pure.
 */
export function checkEncoding(bytes: Uint8Array, file: string, lineOffset = 0, facts?: ByteFacts): { text: string } | { diagnostic: Diagnostic } {
  const at = (offset: number) => ({ file, ...lineColAt(bytes, offset, lineOffset) });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { diagnostic: diagnostic('yaml.encoding', at(0), 'the file is UTF-16; opsgate reads UTF-8 only', { hint: 'save the file as UTF-8 (without BOM), e.g. `iconv -f UTF-16 -t UTF-8`' }) };
  }
  // A Buffer view (no copy): its indexOf is memchr, several times faster than a typed array's at 10k documents.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (facts?.utf8) return decoded(buf);
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    return {
      diagnostic: diagnostic('yaml.binary', at(nul), 'the file contains NUL bytes: it is binary or UTF-16, not a YAML document', {
        hint: 'documents must be UTF-8 text; remove binary files from document folders',
      }),
    };
  }
  // Node's native validator answers the common case (valid) at memory speed; the scan below only locates the bad byte.
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad !== -1) {
    return {
      diagnostic: diagnostic('yaml.encoding', at(bad), `byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad} is not valid UTF-8 (Latin-1 or GBK?)`, {
        hint: 'convert the file to UTF-8, e.g. `iconv -f GBK -t UTF-8` or `iconv -f LATIN1 -t UTF-8`',
      }),
    };
  }
  return decoded(buf);
}

function decoded(buf: Buffer): { text: string } {
  return { text: decodeUtf8(buf) };
}

/** The text of bytes checkEncoding accepted, exactly as it returned it (a leading BOM dropped). */
export function decodeUtf8(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function lineColAt(bytes: Uint8Array, offset: number, lineOffset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line: line + lineOffset, col: offset - lineStart + 1 };
}

/** Returns the offset of the first byte that breaks UTF-8, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
