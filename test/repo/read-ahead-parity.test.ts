import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepo } from '../../scripts/repo/read-repo.ts';

/**
 * The reader thread's byte facts (byte-facts.ts) let the parsing thread skip the
 * hash, the encoding scans and the control-character test: a repository of
 * good and hostile files must load exactly the same with the reader as without
 * it (same documents, data, digests, diagnostics and positions).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

const HOST = readFileSync(path.join(repoRoot, 'inventory/hosts/app-01.yaml'), 'utf8');
const INCIDENT = readFileSync(path.join(repoRoot, 'incidents/2026/INC-2026-0038.yaml'), 'utf8');
const RUNBOOK = readFileSync(path.join(repoRoot, 'runbooks/disk-space-cleanup.md'), 'utf8');

/** Variants of a good document, each with one byte-level hazard at the start, in a value, or in a comment. */
function hazards(text: string): Record<string, Buffer> {
  const line = text.indexOf('\n', text.indexOf('\nid:') + 1) + 1;
  const at = (insert: string) => Buffer.from(text.slice(0, line) + insert + text.slice(line));
  // In the first free-text value (a host's description, an incident's or runbook's title).
  const inValue = (ch: string, after = 'x') => Buffer.from(text.replace(/\n(description|title): ([^\n]*)/, `\n$1: $2${ch}${after}`));
  return {
    good: Buffer.from(text),
    bom: Buffer.from(`\ufeff${text}`),
    'bom-mid': inValue('\ufeff'),
    tab: at('\t# tab\n'),
    'tab-value': inValue('\t'),
    // Where the fast reader, were it not told, would read a tab as a character where YAML reads a blank.
    'tab-comment': inValue('\t', '# comment'),
    'tab-trailing': inValue('\t', ''),
    'tab-indent': at('\tkey: 1\n'),
    cr: Buffer.from(text.replace(/\n/g, '\r\n')),
    'cr-one': inValue('\r'),
    'line-separator': inValue('\u2028'),
    'paragraph-separator-comment': at('# \u2029\n'),
    c1: inValue('\u0085'),
    del: inValue('\u007f'),
    nonchar: inValue('\uffff'),
    fffe: inValue('\ufffe'),
    'fffd-ok': inValue('\ufffd'),
    'nbsp-ok': inValue('\u00a0'),
    escape: inValue('\u001b'),
    nul: at('x: \0\n'),
    'bad-utf8': Buffer.concat([Buffer.from(text.slice(0, line)), Buffer.from([0x23, 0x20, 0xe9, 0x0a]), Buffer.from(text.slice(line))]),
    'utf-16': Buffer.from(`\ufeff${text}`, 'utf16le'),
    'duplicate-key': at('id: again\n'),
  };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'og-read-ahead-parity-'));
  cpSync(path.join(repoRoot, 'schemas'), path.join(dir, 'schemas'), { recursive: true });
  for (const d of ['inventory/hosts', 'incidents/2026', 'runbooks']) mkdirSync(path.join(dir, d), { recursive: true });
  // Each file carries the id its name asks for, so the good ones load as documents.
  for (const [name, bytes] of Object.entries(hazards(HOST))) writeFileSync(path.join(dir, `inventory/hosts/h-${name}.yaml`), rename(bytes, 'app-01', `h-${name}`));
  for (const [i, [, bytes]] of Object.entries(hazards(INCIDENT)).entries()) {
    const id = `INC-2026-${String(100 + i).padStart(4, '0')}`;
    writeFileSync(path.join(dir, `incidents/2026/${id}.yaml`), rename(bytes, 'INC-2026-0038', id));
  }
  for (const [name, bytes] of Object.entries(hazards(RUNBOOK))) writeFileSync(path.join(dir, `runbooks/r-${name}.md`), rename(bytes, 'disk-space-cleanup', `r-${name}`));
  writeFileSync(path.join(dir, 'inventory/hosts/too-large.yaml'), Buffer.alloc(1024 * 1024 + 5, 0x61));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rename(bytes: Buffer, from: string, to: string): Buffer {
  return Buffer.from(bytes.toString('latin1').split(from).join(to), 'latin1');
}

async function load(readAhead: boolean) {
  const m = await readRepo(dir, { readAhead });
  return {
    documents: m.documents.map((d) => ({ kind: d.kind, id: d.id, file: d.file, data: d.data, sha256: d.sha256, body: d.body, at: d.locate('/id') })),
    diagnostics: m.diagnostics,
  };
}

describe('readRepo with and without the reader thread', () => {
  it('loads good and hostile files identically', async () => {
    const without = await load(false);
    const withReader = await load(true);
    expect(withReader).toStrictEqual(without);
    // The corpus exercises both outcomes on every kind.
    expect(without.documents.length).toBeGreaterThan(10);
    for (const code of ['yaml.binary', 'yaml.encoding', 'yaml.duplicate-key', 'yaml.too-large']) expect(without.diagnostics.map((d) => d.code)).toContain(code);
  });
});
