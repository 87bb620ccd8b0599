import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFile } from '../../scripts/repo/load-file.ts';
import type { ParsedDocument } from '../../scripts/repo/parse-document.ts';
import { parseYamlTextPositional, YAML_LIMITS } from '../../scripts/repo/parse-yaml.ts';
import { startReadAhead, type ReadAhead } from '../../scripts/repo/read-ahead.ts';
import { joinRepoPath } from '../../scripts/repo/repo-path.ts';
import type { SchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { realValidator } from '../helpers/repo-from-files.ts';

/**
 * A document read fast keeps the bytes it was read from (parse-document.ts,
 * keptBytes): the reader thread's own memory when it read the file, a copy when
 * this thread read it (before the reader started, or after it was left). Every
 * document must still locate and give its source exactly after all the others
 * were read, through reader memory far smaller than the files together.
 */
let root: string;
let validator: SchemaValidator;
const rels: string[] = [];
const POINTERS = ['/id', '/description', '/address', '/groups/0', '/host_keys/0', '/nope', ''];

beforeAll(async () => {
  validator = await realValidator();
  root = mkdtempSync(path.join(os.tmpdir(), 'og-read-ahead-kept-'));
  mkdirSync(path.join(root, 'inventory/hosts'), { recursive: true });
  for (let i = 0; i < 240; i++) {
    const id = `h-${String(i).padStart(3, '0')}`;
    // Chinese text (multi-byte) and a comment of varying length, so files are of many sizes, some over the small segments below.
    const padding = Array.from({ length: (i * 37) % 60 }, (_, k) => `# ${'填充'.repeat(k % 9)} line ${k} of ${id}\n`).join('');
    const text = `id: ${id}\ndescription: 服务器 ${i}（订单）\naddress: 10.20.${i % 250}.${(i * 7) % 250}\nport: 22\nuser: opsgate\n${padding}host_keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFhBW3bij3b9eGI7NUKkrkEyqolPkSkHX5+D${i}\ngroups:\n  - app\nenv: prod\ncriticality: high\nowner_team: ops\nos: debian-12\n`;
    const rel = `inventory/hosts/${id}.yaml`;
    writeFileSync(path.join(root, rel), i % 11 === 3 ? `\ufeff${text}` : text);
    rels.push(rel);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Waits (a test only) until the reader thread has begun its list. */
async function untilStarted(ahead: ReadAhead): Promise<void> {
  for (let k = 0; !ahead.started(); k++) {
    if (k > 2000) throw new Error('the reader thread did not start within 20 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every document, now that all were read, against the positional parser over its file's text. */
function expectAllExact(results: ParsedDocument[]): void {
  expect(results.length).toBe(rels.length);
  for (const [i, r] of results.entries()) {
    const rel = rels[i]!;
    expect(
      r.diagnostics.filter((d) => d.severity === 'error'),
      rel,
    ).toEqual([]);
    expect(r.source, rel).toBeDefined();
    const text = readFileSync(path.join(root, rel), 'utf8').replace(/^\ufeff/, '');
    expect(r.source!.text, rel).toBe(text);
    const positional = parseYamlTextPositional(text, rel);
    for (const ptr of POINTERS) {
      expect(r.doc!.locate(ptr), `${rel} ${ptr}`).toEqual(positional.locate(ptr));
      expect(r.doc!.locate(ptr, { key: true }), `${rel} ${ptr}`).toEqual(positional.locate(ptr, { key: true }));
    }
  }
}

describe('documents keep exact bytes however they were read (read-ahead.ts, parse-document.ts keptBytes)', () => {
  it('read by the reader thread, through memory far smaller than the files together', async () => {
    const ahead = startReadAhead(YAML_LIMITS.maxBytes, 4096)!;
    ahead.begin(rels.map((rel) => joinRepoPath(root, rel)));
    await untilStarted(ahead);
    const results = rels.map((rel) => loadFile(root, rel, validator, ahead));
    ahead.close();
    expectAllExact(results);
  });

  it('read by this thread while the reader starts, then by the reader, then by this thread again once the reader is left', async () => {
    const ahead = startReadAhead(YAML_LIMITS.maxBytes, 4096)!;
    // The reader's list holds one more file at 150: taking file 150 out of its order leaves the reader for good.
    const list = rels.map((rel) => joinRepoPath(root, rel));
    list.splice(150, 0, joinRepoPath(root, rels[0]!));
    ahead.begin(list);
    const results: ParsedDocument[] = [];
    // The first files at once: the reader is still starting, this thread reads them.
    for (const rel of rels.slice(0, 3)) results.push(loadFile(root, rel, validator, ahead));
    await untilStarted(ahead);
    for (const rel of rels.slice(3)) results.push(loadFile(root, rel, validator, ahead));
    ahead.close();
    expectAllExact(results);
  });
});
