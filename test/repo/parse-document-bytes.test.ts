import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromPortable, toPortable } from '../../scripts/repo/load-file.ts';
import { parseDocumentText } from '../../scripts/repo/parse-document.ts';
import { parseYamlTextPositional } from '../../scripts/repo/parse-yaml.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator, type SchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

let validator: SchemaValidator;
beforeAll(async () => {
  validator = createSchemaValidator(await readSchemas(repoRoot));
});

const FILE = 'inventory/hosts/web-01.yaml';
const POINTERS = ['/id', '/address', '/groups/0', '/host_keys/0', '/nope', ''];

describe('a fast-read document keeps a copy of its bytes, not its text (parse-document.ts, keptBytes)', () => {
  it('locates and gives its source from its own copy, after the buffer it was read from is reused', () => {
    const bytes = readFileSync(path.join(repoRoot, FILE));
    // A BOM too: the text located is the text read, without it.
    const shared = Buffer.alloc(bytes.length + 3 + 64);
    shared.set([0xef, 0xbb, 0xbf], 0);
    shared.set(bytes, 3);
    const view = shared.subarray(0, bytes.length + 3);
    const parsed = parseDocumentText(view, FILE, validator);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(parsed.source).toBeDefined();
    // The reader's ring and the single read buffer are overwritten by the next file.
    shared.fill(0x20);
    shared.write('id: other\n', 3);
    const text = bytes.toString('utf8');
    const positional = parseYamlTextPositional(text, FILE);
    for (const ptr of POINTERS) {
      expect(parsed.doc!.locate(ptr), ptr).toEqual(positional.locate(ptr));
      expect(parsed.doc!.locate(ptr, { key: true }), ptr).toEqual(positional.locate(ptr, { key: true }));
    }
    expect(parsed.source!.text).toBe(text);
    // What a worker thread posts: the text itself, and the document located again from it.
    const portable = structuredClone(toPortable(parsed));
    expect('source' in portable && portable.source).toEqual({ text, lineOffset: 0 });
    const again = fromPortable(portable as Parameters<typeof fromPortable>[0])!;
    for (const ptr of POINTERS) expect(again.locate(ptr), ptr).toEqual(positional.locate(ptr));
  });
});
