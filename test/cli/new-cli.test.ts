import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nextId } from '../../scripts/scaffold/templates.ts';
import { parseYamlText } from '../../scripts/repo/parse-yaml.ts';
import { BIN } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);

describe('opsgate new', () => {
  it.each([
    [[], 'CHG-2026-0001'],
    [['CHG-2026-0007', 'CHG-2025-0100', 'notes'], 'CHG-2026-0008'],
  ])('next id after %j is %s', (existing, expected) => {
    expect(nextId('CHG', 2026, existing)).toBe(expected);
  });

  it('writes a change that parses, with the next id, and never overwrites', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-new-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
    const run = () => exec(process.execPath, [BIN, '--root', root, 'new', 'change', '--title', '扩容 web 集群', '--type', 'emergency']);
    const first = await run();
    expect(first.stdout).toMatch(/wrote changes\/\d{4}\/CHG-\d{4}-0001\.yaml/);
    const second = await run();
    expect(second.stdout).toMatch(/CHG-\d{4}-0002\.yaml/);
    const file = path.join(root, /wrote (\S+):/.exec(first.stdout)![1]!);
    const parsed = parseYamlText(await readFile(file, 'utf8'), 'x.yaml');
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.data).toMatchObject({ title: '扩容 web 集群', type: 'emergency', emergency: { justification: expect.any(String) } });
  });
});
