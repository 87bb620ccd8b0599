import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderAnnotations } from '../../scripts/actions/annotations.ts';
import { renderWorkflowCommand } from '../../scripts/actions/workflow-commands.ts';

/**
 * opsgate renders GitHub workflow commands itself (pure, to the injected stdout); @actions/core is
 * the reference. Each hostile case is issued by the real @actions/core in a child process and must
 * mean exactly what opsgate's line means: same command, same properties, same escaped message.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Props = { file?: string; startLine?: number; startColumn?: number; title?: string };
const CASES: Array<[string, 'error' | 'warning' | 'notice', string, Props]> = [
  ['plain', 'error', 'value is not allowed', { file: 'changes/2026/CHG-2026-0002.yaml', startLine: 3, startColumn: 7, title: 'schema.enum' }],
  ['percent and line breaks in the message', 'warning', '100% done\r\nfix: add rollback:\n::warning::injected', { file: 'a.yaml', startLine: 1, startColumn: 1, title: 'x' }],
  ['colon, comma and percent in properties', 'error', 'm', { file: 'dir,with:odd%name/f.yaml', startLine: 12, startColumn: 2, title: 'web-01, ssh: a' }],
  ['title only', 'notice', '3 more findings', { title: 'db-01 ssh.a' }],
  ['no properties', 'notice', 'see the job summary', {}],
];

/** @actions/core's own output for each case, one line each, from a child process (core writes to process.stdout). */
function issuedByCore(): string[] {
  const script = `import * as core from '@actions/core';
for (const [, level, message, props] of JSON.parse(process.argv[1])) core[level](message, props);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(CASES)], { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return out.split('\n').filter(Boolean);
}

/** A workflow command line as the runner reads it: command, property map, escaped message. */
function parse(line: string): { command: string; props: Record<string, string>; message: string } {
  const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const props = Object.fromEntries(
    (m[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return { command: m[1]!, props, message: m[3]! };
}

describe('workflow commands', () => {
  const core = issuedByCore();

  it.each(CASES.map((c, i) => [c[0], i] as const))('%s: the same command as @actions/core issues', (_name, i) => {
    const [, level, message, p] = CASES[i]!;
    const ours = renderWorkflowCommand(level, { file: p.file, line: p.startLine, col: p.startColumn, title: p.title }, message);
    expect(ours).not.toContain('\n');
    expect(parse(ours)).toEqual(parse(core[i]!));
  });

  it('lint annotations lead with the file, so a runner and a reader see where first', () => {
    const line = renderAnnotations([
      { code: 'schema.enum', severity: 'error', file: 'inventory/hosts/a,b.yaml', line: 3, col: 7, pointer: '/env', message: 'not allowed: "prod"', hint: 'allowed: dev, test' },
    ]);
    expect(line).toBe('::error file=inventory/hosts/a%2Cb.yaml,line=3,col=7,title=schema.enum::not allowed: "prod"%0Afix: allowed: dev, test');
  });
});
