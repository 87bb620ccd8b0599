import * as crypto from 'node:crypto';

/**
 * Evidence records are JSON Lines. Every line is one JSON object ending in a
 * `hash` field: the sha256 (hex) of the line's text without that field. Its
 * `prev` field is the previous line's `hash`; the first line's `prev` is
 * GENESIS. Editing any line breaks its own hash; removing or reordering lines
 * breaks `seq` and `prev`; the verifier names the line either way.
 * This file is pure: the writer that touches the disk is in `writer.ts`.
 */
export const GENESIS = '0'.repeat(64);

export interface RecordLine {
  /** 1-based position in the file; must equal the line number. */
  seq: number;
  /** `hash` of the previous line, or GENESIS. */
  prev: string;
  /** sha256 of this line's text without the hash field. */
  hash: string;
  /** When the event happened, ISO 8601 with offset. */
  at: string;
  /** Event type, e.g. `run.planned`, `step.executing`, `host.result`. */
  type: string;
  [key: string]: unknown;
}

export type ChainProblemCode = 'record.json' | 'record.seq' | 'record.chain' | 'record.hash' | 'record.truncated' | 'record.shape';

export interface ChainProblem {
  line: number;
  code: ChainProblemCode;
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  lines: RecordLine[];
  /** sha256 of the last good line, to chain the next append onto. */
  head: string;
  /** The first MAX_CHAIN_PROBLEMS problems, in line order. */
  problems: ChainProblem[];
  /** Problems found past those (a tampered file can have one per line; listing a million helps no one). */
  problemsNotListed: number;
}

/** Problems kept per file: the first ones locate the damage; the count says how far it goes. */
export const MAX_CHAIN_PROBLEMS = 100;

// One-shot hashing (Node ≥ 20.12) is about three times faster than a Hash object on record-sized lines; same digest.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function hashLine(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Renders the next line of a chain (without newline); returns the text and its hash. */
export function renderRecordLine(head: string, seq: number, event: { at: string; type: string; [key: string]: unknown }): { text: string; hash: string } {
  const { at, type, ...rest } = event;
  delete (rest as { hash?: unknown }).hash;
  delete (rest as { prev?: unknown }).prev;
  delete (rest as { seq?: unknown }).seq;
  const body = JSON.stringify({ seq, prev: head, at, type, ...rest });
  const hash = hashLine(body);
  return { text: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** The hash a line claims, and the hash of its content; undefined when the line has no hash field. */
function lineHashes(text: string): { claimed: string; actual: string } | undefined {
  const m = HASH_SUFFIX.exec(text);
  if (!m) return undefined;
  return { claimed: m[1]!, actual: hashLine(text.slice(0, m.index) + '}') };
}

/** Checks a whole chain; collects every problem rather than stopping at the first. */
export function verifyChain(text: string): ChainVerification {
  const found: ChainProblem[] = [];
  let notListed = 0;
  const problems = {
    get length() {
      return found.length + notListed;
    },
    push(p: ChainProblem) {
      if (found.length < MAX_CHAIN_PROBLEMS) found.push(p);
      else notListed++;
    },
  };
  const lines: RecordLine[] = [];
  let head = GENESIS;
  let expectedPrev = GENESIS;
  if (text.length === 0) return { ok: true, lines, head, problems: found, problemsNotListed: 0 };
  const raw = text.split('\n');
  const endsWithNewline = raw[raw.length - 1] === '';
  if (endsWithNewline) raw.pop();
  raw.forEach((lineText, i) => {
    const n = i + 1;
    const last = i === raw.length - 1;
    let parsed: unknown;
    try {
      // Cannot be JSON: no need to build (and unwind) a SyntaxError to know it (a tampered file can be a million blank lines).
      if (!JSON_START.has(lineText.charCodeAt(0))) throw NOT_JSON;
      parsed = JSON.parse(lineText);
    } catch {
      problems.push(
        last && !endsWithNewline
          ? { line: n, code: 'record.truncated', message: `line ${n} is cut short (no closing newline, not valid JSON): the writer stopped mid-line` }
          : { line: n, code: 'record.json', message: `line ${n} is not valid JSON` },
      );
      expectedPrev = hashLine(lineText);
      return;
    }
    if (!isRecordLine(parsed)) {
      problems.push({ line: n, code: 'record.shape', message: `line ${n} lacks seq, prev, at or type` });
      expectedPrev = hashLine(lineText);
      return;
    }
    const hashes = lineHashes(lineText);
    if (!hashes) problems.push({ line: n, code: 'record.shape', message: `line ${n} has no hash field at its end` });
    else if (hashes.claimed !== hashes.actual) problems.push({ line: n, code: 'record.hash', message: `line ${n} was edited after it was written (its content no longer matches its hash)` });
    if (parsed.seq !== n) problems.push({ line: n, code: 'record.seq', message: `line ${n} says seq ${parsed.seq}: a line was removed, inserted or reordered before it` });
    if (parsed.prev !== expectedPrev) {
      problems.push({ line: n, code: 'record.chain', message: `line ${n} does not chain onto line ${n - 1}: lines were removed, inserted or reordered` });
    }
    lines.push(parsed);
    expectedPrev = hashes?.claimed ?? hashLine(lineText);
    if (problems.length === 0) head = expectedPrev;
  });
  if (problems.length === 0 && !endsWithNewline) {
    problems.push({ line: raw.length, code: 'record.truncated', message: `line ${raw.length} has no closing newline: the file was cut` });
  }
  return { ok: problems.length === 0, lines, head, problems: found, problemsNotListed: notListed };
}

const NOT_JSON = new Error('not JSON');
/** The characters a JSON text can start with: a value, or blank before one. */
const JSON_START = new Set([...'{["-0123456789tfn \t\r'].map((c) => c.charCodeAt(0)));

function isRecordLine(v: unknown): v is RecordLine {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.seq === 'number' && typeof o.prev === 'string' && typeof o.at === 'string' && typeof o.type === 'string';
}
