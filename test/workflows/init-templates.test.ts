/**
 * The workflows `opsgate init` writes into a new organisation's repository
 * (scripts/scaffold/init/) are this repository's trigger files, calling the
 * same reusable workflows by repository and commit instead of by path: the
 * reference organisation runs exactly what a new one gets.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadWorkflows, ROOT } from './load.ts';

const TEMPLATES = path.join(ROOT, 'scripts/scaffold/init/workflows');
const templates = readdirSync(TEMPLATES)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const workflows = loadWorkflows();
const toLocal = (text: string) => text.replace(/uses: OPSGATE_REPOSITORY\/\.github\/workflows\/(reusable-[\w-]+\.yml)@OPSGATE_COMMIT$/gm, 'uses: ./.github/workflows/$1');

describe('opsgate init workflow templates', () => {
  it('there is one for every trigger file here except the test suite of opsgate itself', () => {
    const triggers = workflows
      .filter((w) => !('workflow_call' in w.on) && w.file !== 'test.yml')
      .map((w) => w.file)
      .sort();
    expect(templates).toEqual(triggers);
  });

  it.each(templates)('%s is the trigger file of this repository, calling the reusable workflows by repository and commit', (f) => {
    const text = readFileSync(path.join(TEMPLATES, f), 'utf8');
    expect(toLocal(text)).toBe(readFileSync(path.join(ROOT, '.github/workflows', f), 'utf8'));
    for (const m of text.matchAll(/^\s*(?:- )?uses: (\S+)/gm)) {
      const uses = m[1]!;
      if (uses.startsWith('OPSGATE_REPOSITORY/')) {
        expect(uses).toMatch(/^OPSGATE_REPOSITORY\/\.github\/workflows\/reusable-[\w-]+\.yml@OPSGATE_COMMIT$/);
        expect(workflows.some((w) => uses.includes(`/${w.file}@`) && 'workflow_call' in w.on)).toBe(true);
      } else expect(uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
    expect(text).not.toMatch(/uses: \.\//);
  });

  it('Dependabot in the new repository keeps the pinned workflows and the opsgate package current', () => {
    const d = parse(readFileSync(path.join(ROOT, 'scripts/scaffold/init/dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] };
    expect(d.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });
});
