import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-from-files.ts';

/** Every place in a schema that declares properties, with its pointer. */
function objectSchemas(node: unknown, pointer = ''): { pointer: string; schema: Record<string, unknown> }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => objectSchemas(n, `${pointer}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const here = o.properties && typeof o.properties === 'object' ? [{ pointer, schema: o }] : [];
  return [...here, ...Object.entries(o).flatMap(([k, v]) => objectSchemas(v, `${pointer}/${k}`))];
}

describe('schema conventions (editors show descriptions; unknown keys are errors)', async () => {
  const dir = path.join(repoRoot, 'schemas');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.schema.json')).sort();
  it.each(files)('%s', async (file) => {
    const schema = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://opsgate.dev/schemas/${file}`);
    const problems: string[] = [];
    for (const { pointer, schema: s } of objectSchemas(schema)) {
      // `if` clauses only test a discriminator; `then`/`else` refine an object declared (closed) above.
      if (/\/(if|then|else|not)$/.test(pointer)) continue;
      if (s.type === 'object' && s.additionalProperties !== false && s.unevaluatedProperties !== false) problems.push(`${pointer || '/'}: additionalProperties is not false`);
      for (const [name, prop] of Object.entries(s.properties as Record<string, Record<string, unknown>>)) {
        if (typeof prop.description !== 'string' || prop.description.length === 0) problems.push(`${pointer}/properties/${name}: no description`);
      }
    }
    expect(problems).toEqual([]);
  });
});
