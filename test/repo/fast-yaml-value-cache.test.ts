import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFastYaml } from '../../scripts/repo/fast-yaml.ts';
import { resetValueCache } from '../../scripts/repo/fast-yaml-scalars.ts';
import { parseYamlText, parseYamlTextPositional } from '../../scripts/repo/parse-yaml.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

/** What the `yaml` library reads (schema 'core'). */
function reference(text: string): unknown {
  const docs = parseAllDocuments(text, { schema: 'core', uniqueKeys: true, strict: true, prettyErrors: false });
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]!.errors.length > 0) return undefined;
  return docs[0]!.toJS({ maxAliasCount: 100 });
}

const long = (c: string, n: number) => c.repeat(n);

/**
 * Documents read one after the other, so each value meets the cache as the one
 * before left it (fast-yaml-scalars.ts, the value cache): the same characters in
 * another kind of scalar, the same prefix with another ending, the limits of the
 * cached length, unicode.
 */
const SEQUENCE: string[] = [
  'a: 1\nb: true\nc: null\nd: 2026-11-28\n',
  'a: "1"\nb: \'true\'\nc: "null"\nd: "2026-11-28"\n',
  "a: '1'\nb: \"true\"\nc: 'null'\nd: '2026-11-28'\n",
  'a: [1, "1", \'1\', true, "true"]\nb: {x: 1, y: "1"}\n',
  'a: 1\nb: true\nc: ~\nd: 2026-11-28\n',
  'team: sre-platform-oncall-a\n',
  'team: sre-platform-oncall-b\n',
  'team: sre-platform-oncall-a\n',
  'team: [sre-platform-oncall-b, sre-platform-oncall-a]\n',
  'n: 0x1F\nm: 0x1f\no: 0o17\nf: 1.50\ng: 1.5\n',
  'n: "0x1F"\nm: 31\nf: 1.5\ng: 1.50\n',
  `v64: ${long('x', 64)}\nv65: ${long('x', 65)}\n`,
  `v64: ${long('x', 63)}y\nv65: ${long('x', 64)}y\n`,
  `v64: "${long('x', 64)}"\nv65: '${long('x', 65)}'\n`,
  `long: ${long('长', 500)}\nlong2: ${long('长', 499)}短\n`,
  'cn: 预发布 Web 节点\nemoji: 😀 ok\nq: "预发布 Web 节点"\n',
  "cn: 预发布 Web 节点 # 注释\nemoji: 😀 ok  \nq: '预发布 Web 节点'\n",
  'esc: "a\\tb"\nraw: "a\\\\tb"\nsq: \'a\\tb\'\n',
  "esc: 'it''s'\nraw: its\nq: \"it's\"\n",
  'text: |\n  预发布 Web 节点下发安全响应头配置，验证无误后再推广到生产。\n  第二行\nfold: >-\n  a b c d e f g h i j k l m n\n  o p\n',
  'text: 预发布 Web 节点下发安全响应头配置，验证无误后再推广到生产。\n',
  'empty: ""\nsq: \'\'\nnone:\n',
  'empty: ""\nsq: \'\'\nnone: ~\n',
];

describe('the fast reader’s value cache gives every value exactly as the yaml library reads it', () => {
  afterEach(() => resetValueCache());

  it.each([
    ['the normal cache', 14],
    ['one slot: every value collides with the one before', 0],
    ['two slots', 1],
  ])('documents in sequence, %s', (_name, bits) => {
    resetValueCache(bits);
    for (let round = 0; round < 2; round++)
      for (const text of SEQUENCE) {
        const expected = reference(text);
        expect(expected, text).toBeDefined();
        expect(parseFastYaml(text), text).toStrictEqual(expected);
      }
  });

  it('reads the sample organisation the same with every value colliding', async () => {
    resetValueCache(0);
    const dirs = ['inventory/hosts', 'changes/2026', 'policies/access/grants', 'incidents/2026'];
    let read = 0;
    for (const d of dirs) {
      const dir = path.join(repoRoot, d);
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
        const text = await readFile(path.join(dir, f), 'utf8');
        const fast = parseYamlText(text, 'x.yaml');
        expect(fast.source, f).toBeDefined();
        expect(fast.data, f).toStrictEqual(parseYamlTextPositional(text, 'x.yaml').data);
        read++;
      }
    }
    expect(read).toBeGreaterThan(20);
  });
});
