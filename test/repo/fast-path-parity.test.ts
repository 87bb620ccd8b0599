import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../scripts/repo/parse-yaml.ts';
import { splitFrontMatter } from '../../scripts/repo/front-matter.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.(ya?ml|md)$/.test(e.name)) out.push(p);
  }
  return out;
}

describe('the fast YAML path gives exactly the data of the positional parser', async () => {
  const files = (await Promise.all(['inventory', 'policies', 'changes', 'incidents', 'runbooks', 'test/fixtures'].map((d) => yamlFiles(path.join(repoRoot, d))))).flat();
  it('covers the sample organisation and the fixtures', () => {
    expect(files.length).toBeGreaterThan(50);
  });
  it.each(files.map((f) => [path.relative(repoRoot, f), f]))('%s', async (_rel, file) => {
    let text = await readFile(file, 'utf8');
    if (file.endsWith('.md')) text = splitFrontMatter(text)?.yaml ?? '';
    const docs = parseAllDocuments(text, { schema: 'core', uniqueKeys: true });
    const reference = Array.isArray(docs) && docs.length === 1 && docs[0]!.errors.length === 0 ? docs[0]!.toJS({ maxAliasCount: 100 }) : undefined;
    const ours = parseYamlText(text, 'x.yaml');
    if (ours.data !== undefined && reference !== undefined) expect(ours.data).toEqual(reference);
  });
  it('locates lazily, also with a front-matter offset', () => {
    const p = parseYamlText('id: a\nowner: b\n', 'runbooks/a.md', 1);
    expect(p.locate('/owner')).toEqual({ line: 3, col: 8 });
  });
});
