import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../scripts/model/diagnostic.ts';
import { parseDocumentText } from '../../scripts/repo/parse-document.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator, type SchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { BIN } from '../helpers/bin.ts';

/**
 * The hostile corpus: inputs a careless or malicious pull request could contain.
 * Each one must become a located diagnostic, in-process and through the real CLI,
 * which must exit 1 or 2 (never 3, a hang, or a stack trace).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_TIMEOUT_MS = 60_000;
const HOST = 'inventory/hosts/hostile.yaml';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBf0wvN0fUW0l9zsxXn0Yx0zB3sYkY0xQ8rL0aW7zT6c';
const hostBody = (extra = '') => `id: hostile\naddress: 10.20.9.9\nuser: opsgate\nhost_keys: ["${KEY}"]\ngroups: []\nenv: test\ncriticality: low\nowner_team: ops\n${extra}`;

function billionLaughs(): string {
  const names = 'abcdefghij'.split('');
  const lines = [`${names[0]}: &${names[0]} ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  for (let i = 1; i < names.length; i++)
    lines.push(
      `${names[i]}: &${names[i]} [${Array(10)
        .fill(`*${names[i - 1]}`)
        .join(', ')}]`,
    );
  return `id: hostile\n${lines.join('\n')}\n`;
}

interface HostileCase {
  name: string;
  /** Repository-relative path of the hostile file. */
  file: string;
  content?: Buffer;
  /** Create a symbolic link at `file` pointing here instead of writing content. */
  symlinkTo?: string;
  code: string;
  line: number;
}

const utf16 = (s: string, bom: boolean) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(s, 'utf16le')]);
const binary = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x03, 0x00, 0x3e, 0x00, 0xff, 0xfe, 0x90]);

const CASES: HostileCase[] = [
  { name: 'malformed YAML (unclosed flow sequence)', file: HOST, content: Buffer.from('id: hostile\ngroups: [web, app\nenv: prod\n'), code: 'yaml.syntax', line: 3 },
  { name: 'tab indentation', file: HOST, content: Buffer.from('id: hostile\naddress: 10.0.0.1\n\tuser: root\n'), code: 'yaml.syntax', line: 3 },
  { name: 'duplicate keys', file: HOST, content: Buffer.from(hostBody('user: root\n')), code: 'yaml.duplicate-key', line: 9 },
  { name: 'alias bomb (billion laughs)', file: HOST, content: Buffer.from(billionLaughs()), code: 'yaml.alias-limit', line: 1 },
  {
    name: '20 MB file',
    file: HOST,
    content: Buffer.from(hostBody(`description: |\n${'  padding padding padding padding padding padding padding padding\n'.repeat((20 * 1024 * 1024) / 66)}`)),
    code: 'yaml.too-large',
    line: 1,
  },
  { name: '3 MB single line', file: HOST, content: Buffer.from(hostBody(`description: ${'x'.repeat(3 * 1024 * 1024)}\n`)), code: 'yaml.too-large', line: 1 },
  { name: '500 kB single line (under the size cap)', file: HOST, content: Buffer.from(hostBody(`description: ${'x'.repeat(500 * 1024)}\n`)), code: 'yaml.line-too-long', line: 9 },
  { name: 'deep nesting, 10k flow levels', file: HOST, content: Buffer.from(`id: hostile\nservices: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`), code: 'yaml.too-deep', line: 2 },
  { name: 'deep nesting, 10k compact block sequences', file: HOST, content: Buffer.from(`id: hostile\nservices:\n${'- '.repeat(10_000)}x\n`), code: 'yaml.too-deep', line: 3 },
  { name: 'deep nesting, 100 levels', file: HOST, content: Buffer.from(`id: hostile\nservices: ${'{a: '.repeat(100)}1${'}'.repeat(100)}\n`), code: 'yaml.too-deep', line: 2 },
  { name: 'binary content', file: HOST, content: binary, code: 'yaml.binary', line: 1 },
  { name: 'a NUL byte first', file: HOST, content: Buffer.concat([Buffer.from([0]), Buffer.from(hostBody())]), code: 'yaml.binary', line: 1 },
  { name: 'a NUL byte on a later line', file: HOST, content: Buffer.from(hostBody('description: a\u0000b\n')), code: 'yaml.binary', line: 9 },
  {
    name: 'Latin-1 bytes',
    file: HOST,
    content: Buffer.concat([Buffer.from(hostBody('description: Caf')), Buffer.from([0xe9]), Buffer.from(' M\xfcller\n', 'latin1')]),
    code: 'yaml.encoding',
    line: 9,
  },
  { name: 'GBK bytes', file: HOST, content: Buffer.concat([Buffer.from('id: hostile\ndescription: '), Buffer.from([0xc9, 0xfa, 0xb2, 0xfa]), Buffer.from('\n')]), code: 'yaml.encoding', line: 2 },
  { name: 'UTF-16 with BOM', file: HOST, content: utf16(hostBody(), true), code: 'yaml.encoding', line: 1 },
  { name: 'UTF-16 without BOM', file: HOST, content: utf16(hostBody(), false), code: 'yaml.binary', line: 1 },
  { name: 'empty file', file: HOST, content: Buffer.alloc(0), code: 'yaml.empty', line: 1 },
  { name: 'whitespace-only file', file: HOST, content: Buffer.from('\n\n   \n'), code: 'yaml.empty', line: 1 },
  { name: 'bare scalar', file: HOST, content: Buffer.from('# a comment\njust a string\n'), code: 'yaml.not-mapping', line: 2 },
  { name: 'a list instead of a mapping', file: HOST, content: Buffer.from('- id: hostile\n'), code: 'yaml.not-mapping', line: 1 },
  { name: 'several documents in one file', file: HOST, content: Buffer.from(`${hostBody()}---\n${hostBody()}`), code: 'yaml.multiple-documents', line: 9 },
  { name: 'unknown tag !include', file: HOST, content: Buffer.from(hostBody('services: !include /etc/shadow\n')), code: 'yaml.unknown-tag', line: 9 },
  { name: 'unknown tag !!js/function', file: HOST, content: Buffer.from(hostBody('description: !!js/function "function () { return process.exit(3) }"\n')), code: 'yaml.unknown-tag', line: 9 },
  { name: '__proto__ key', file: HOST, content: Buffer.from(hostBody('__proto__:\n  polluted: yes\n')), code: 'yaml.forbidden-key', line: 9 },
  {
    name: 'nested constructor.prototype keys',
    file: HOST,
    content: Buffer.from(hostBody('services:\n  - constructor:\n      prototype:\n        polluted: yes\n')),
    code: 'yaml.forbidden-key',
    line: 10,
  },
  { name: 'symlink to /etc/passwd', file: HOST, symlinkTo: '/etc/passwd', code: 'repo.escapes', line: 1 },
  { name: 'symlinked folder leaving the repository', file: 'inventory/hosts/outside', symlinkTo: '/etc', code: 'repo.escapes', line: 1 },
  {
    name: 'Latin-1 bytes in a runbook front matter',
    file: 'runbooks/hostile.md',
    content: Buffer.concat([Buffer.from('---\nid: hostile\ntitle: Caf'), Buffer.from([0xe9]), Buffer.from('\nowner: li-na\nreview_every_days: 90\nlast_reviewed: 2026-11-01\n---\nbody\n')]),
    code: 'yaml.encoding',
    line: 3,
  },
  { name: 'binary runbook', file: 'runbooks/hostile.md', content: Buffer.concat([Buffer.from('---\nid: hostile\n'), binary, Buffer.from('\n---\nbody\n')]), code: 'yaml.binary', line: 3 },
];

const tmpRoots: string[] = [];
let validator: SchemaValidator;
beforeAll(async () => {
  validator = createSchemaValidator(await readSchemas(repoRoot));
});
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

/** A temporary repository holding a copy of schemas/ and the given files. */
function makeRepo(files: { file: string; content?: Buffer; symlinkTo?: string }[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'og-hostile-'));
  tmpRoots.push(root);
  cpSync(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  for (const f of files) {
    const abs = path.join(root, f.file);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (f.symlinkTo) symlinkSync(f.symlinkTo, abs);
    else writeFileSync(abs, f.content ?? Buffer.alloc(0));
  }
  return root;
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process; kills it (by PID) if it outlives the timeout. */
function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

describe('hostile corpus', () => {
  it.each(CASES.filter((c) => c.content))('in-process: $name → $code at line $line', (c) => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const result = parseDocumentText(c.content!, c.file, validator);
    expect(result.doc).toBeUndefined();
    const hit = result.diagnostics.find((d) => d.code === c.code);
    expect(hit, JSON.stringify(result.diagnostics.map((d) => [d.code, d.line]))).toBeDefined();
    expect(hit!.line).toBe(c.line);
    expect(hit!.file).toBe(c.file);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.concurrent.each(CASES)(
    'CLI: $name → exit 1 or 2 with $code at line $line',
    async (c) => {
      const root = makeRepo([c]);
      const run = await runCli(['--root', root, 'lint', '--format', 'json']);
      expect(run.signal, 'the CLI hung and was killed').toBeNull();
      expect([1, 2], `exit ${run.code}; stderr: ${run.stderr.slice(0, 500)}`).toContain(run.code);
      expect(run.stdout + run.stderr).not.toMatch(STACK_TRACE);
      const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
      const hit = report.diagnostics.find((d) => d.code === c.code && d.file === c.file);
      expect(hit, JSON.stringify(report.diagnostics.map((d) => [d.code, d.file, d.line]))).toBeDefined();
      expect(hit!.line).toBe(c.line);
      expect(run.stdout).not.toContain('root:x:0:0');
    },
    CLI_TIMEOUT_MS + 10_000,
  );

  it(
    'keeps values with shell metacharacters literal and never executes them',
    async () => {
      const canary = path.join(os.tmpdir(), `og-hostile-canary-${process.pid}-${Date.now()}`);
      const nasty = `$(touch ${canary}); \`touch ${canary}\` | tee ${canary} && echo \${HOME} > ${canary}; 'q' "dq" <x> *`;
      const host = hostBody(`description: ${JSON.stringify(nasty)}\nservices: [${JSON.stringify(`nginx; touch ${canary}`)}]\n`);
      const parsed = parseDocumentText(Buffer.from(host), HOST, validator);
      expect(parsed.diagnostics).toEqual([]);
      expect((parsed.doc?.data as { description?: string }).description).toBe(nasty);
      expect((parsed.doc?.data as { services?: string[] }).services).toEqual([`nginx; touch ${canary}`]);

      const root = makeRepo([{ file: HOST, content: Buffer.from(host) }]);
      const run = await runCli(['--root', root, 'lint', '--format', 'json']);
      expect(run.signal).toBeNull();
      expect([0, 1]).toContain(run.code);
      const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
      // Only reference findings (the temporary repository has no groups or teams); nothing about the values.
      expect(report.diagnostics.filter((d) => d.file === HOST && (d.code.startsWith('yaml.') || d.code.startsWith('schema.')))).toEqual([]);
      expect(existsSync(canary)).toBe(false);
    },
    CLI_TIMEOUT_MS + 10_000,
  );

  it(
    'a directory link back into the repository, a self-referencing link and a FIFO neither hang nor crash',
    async () => {
      const root = makeRepo([
        { file: 'inventory/hosts/a.yaml', content: Buffer.from(hostBody().replace('id: hostile', 'id: a')) },
        { file: 'inventory/hosts/loop', symlinkTo: '..' },
        { file: 'inventory/hosts/self.yaml', symlinkTo: 'self.yaml' },
      ]);
      execFileSync('mkfifo', [path.join(root, 'inventory/hosts/fifo.yaml')]);
      const run = await runCli(['--root', root, 'lint', '--format', 'json']);
      expect(run.signal, 'the CLI hung and was killed').toBeNull();
      expect([1, 2]).toContain(run.code);
      expect(run.stdout + run.stderr).not.toMatch(STACK_TRACE);
      const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
      expect(report.diagnostics.find((d) => d.file === 'inventory/hosts/self.yaml')?.code).toBe('repo.escapes');
    },
    CLI_TIMEOUT_MS + 10_000,
  );

  it(
    'reports every hostile file of one repository in a single run',
    async () => {
      const files = [
        { file: 'inventory/hosts/dup.yaml', content: Buffer.from('id: dup\nid: dup\n') },
        { file: 'inventory/hosts/bomb.yaml', content: Buffer.from(billionLaughs().replace('id: hostile', 'id: bomb')) },
        { file: 'inventory/hosts/utf16.yaml', content: utf16('id: utf16\n', true) },
        { file: 'inventory/hosts/passwd.yaml', symlinkTo: '/etc/passwd' },
        { file: 'inventory/hosts/proto.yaml', content: Buffer.from('id: proto\n__proto__: {polluted: yes}\n') },
      ];
      const run = await runCli(['--root', makeRepo(files), 'lint', '--format', 'json']);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
      const codes = Object.fromEntries(report.diagnostics.map((d) => [d.file, d.code]));
      expect(codes).toMatchObject({
        'inventory/hosts/dup.yaml': 'yaml.duplicate-key',
        'inventory/hosts/bomb.yaml': 'yaml.alias-limit',
        'inventory/hosts/utf16.yaml': 'yaml.encoding',
        'inventory/hosts/passwd.yaml': 'repo.escapes',
        'inventory/hosts/proto.yaml': 'yaml.forbidden-key',
      });
    },
    CLI_TIMEOUT_MS + 10_000,
  );
});

/**
 * The loader may read plain documents on a fast path and everything else with the
 * positional parser. Both must give the same data and the same verdict, or the
 * meaning of a file would depend on whether it also contains an `&` somewhere.
 * A trailing `# &` comment sends a document down the positional path.
 */
describe('fast and positional YAML paths agree', async () => {
  const { parseYamlText } = await import('../../scripts/repo/parse-yaml.ts');
  const FORCE_POSITIONAL = '\n# & forces the positional parser\n';
  const SCALARS: [string, string][] = [
    ['binary int (YAML 1.1)', 'id: x\nport: 0b10110\n'],
    ['octal, hex, underscores', 'id: x\na: 0o17\nb: 0x1F\nc: 1_000\nd: 0644\ne: 010\nf: +12\n'],
    ['sexagesimal (YAML 1.1)', 'id: x\nstart: 22:00\nend: 1:30:00\n'],
    ['floats and specials', 'id: x\na: 1e3\nb: .5\nc: .inf\nd: -.Inf\ne: .nan\nf: 1.\n'],
    ['null and bool spellings', 'id: x\na: ~\nb: Null\nc: nULL\nd: yes\ne: on\nf: True\ng: tRUE\nh: n\n'],
    ['dates stay strings', 'id: x\nd: 2026-11-28\nt: 2026-11-28T22:00:00+08:00\nu: 2026-11-28 22:00:00\n'],
    ['complex flow key', 'id: x\n[a, b]: 1\n'],
    ['explicit key', 'id: x\n? a\n: 1\n'],
    ['numeric and null keys', 'id: x\n1: a\n~: b\n'],
    ['block scalars', 'id: x\na: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: |+\n  keep\n\nd: 中文值\n'],
    ['quoted escapes', 'id: x\na: "\\u4e2d\\t\\x41"\nb: \'it\'\'s\'\nc: "multi\n  line"\n'],
    ['CRLF line endings', 'id: x\r\nlist:\r\n  - a\r\n  - b\r\n'],
    ['empty values', 'id: x\na:\nb: []\nc: {}\nd: ""\n'],
    ['merge key without alias', 'id: x\n<<: {user: root}\n'],
    ['duplicate key', 'id: x\nuser: a\nuser: b\n'],
    ['constructor key', 'id: x\nconstructor: 1\n'],
  ];
  const sample = ['inventory/hosts/db-01.yaml', 'changes/2026/CHG-2026-0103.yaml', 'incidents/2026/INC-2026-0041.yaml', 'policies/calendar.yaml', 'policies/oncall.yaml'].map(
    (f) => [`sample ${f}`, readFileSync(path.join(repoRoot, f), 'utf8')] as [string, string],
  );

  it.each([...SCALARS, ...sample])('%s', (_name, text) => {
    const fast = parseYamlText(Buffer.from(text), 'f.yaml');
    const positional = parseYamlText(Buffer.from(text + FORCE_POSITIONAL), 'f.yaml');
    expect(fast.diagnostics.map((d) => [d.code, d.line])).toEqual(positional.diagnostics.map((d) => [d.code, d.line]));
    expect(fast.data).toEqual(positional.data);
  });
});

/**
 * Text a pull request controls (keys, values, file names) reaches the log. It must
 * never start a line of its own: GitHub runners execute `::command::` lines from
 * any step output (`::stop-commands::` would silence every later annotation), and
 * raw ESC/CR bytes rewrite what a reviewer sees in a terminal.
 */
describe('output injection', () => {
  const INJECTED = '::warning file=evil.yaml,line=1::injected';
  const files = [
    { file: 'inventory/hosts/inj.yaml', content: Buffer.from(`id: inj\n"x\\n${INJECTED}\\n\\u001b[31mred\\r": 1\n`) },
    { file: `inventory/hosts/evil\n${INJECTED}.yaml`, content: Buffer.from('id: evil\n') },
  ];
  it.each(['github', 'text'])(
    '--format %s prints no workflow command and no control character from the documents',
    async (format) => {
      const root = makeRepo(files);
      const run = await runCli(['--root', root, 'lint', '--format', format]);
      expect(run.code).toBe(1);
      const lines = run.stdout.split('\n');
      expect(lines.filter((l) => l.startsWith('::warning'))).toEqual([]);
      expect(lines.filter((l) => l.startsWith('::') && !/^::error file=inventory\/hosts\//.test(l))).toEqual([]);
      // eslint-disable-next-line no-control-regex
      expect(run.stdout).not.toMatch(/[\u001b\r]/);
    },
    CLI_TIMEOUT_MS + 10_000,
  );
});
