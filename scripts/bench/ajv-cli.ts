/**
 * The side-by-side yardstick for `bench:lint`: ajv-cli (a devDependency) validating
 * the same documents against the same schemas, as someone would without opsgate:
 * one `ajv validate` per schema, its folders as globs. Schema validation only (no
 * references, no governance rules, no positions). ajv-cli reads YAML with its bundled YAML 1.1 parser,
 * which turns unquoted dates into timestamps that every schema types as strings, so
 * it is given each document as JSON, converted beforehand by opsgate's own reader
 * (outside the timed part): the yardstick parses JSON, the cheaper job. It runs
 * only against local files.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { splitFrontMatter } from '../repo/front-matter.ts';
import { DOCUMENT_ROOTS, matchKind } from '../repo/kinds.ts';
import { parseYamlText } from '../repo/parse-yaml.ts';

export interface AjvCliRun {
  ms: number;
  /** User + system CPU of every ajv-cli process, from /usr/bin/time when present. */
  cpuMs?: number;
  processes: number;
  files: number;
  /** Files ajv-cli reported invalid (none in a clean synthetic repository). */
  invalid: number;
}

export const MIRROR = '.ajv-json';

/**
 * Writes every document of the repository as JSON under MIRROR (same folders) and
 * returns, per schema, the data arguments: a glob for a folder that holds only that
 * kind, else each file.
 */
async function dataArguments(dir: string): Promise<Map<string, string[]>> {
  const bySchemaDir = new Map<string, Map<string, string[]>>();
  const all = new Map<string, Set<string>>(); // folder → schemas found in it
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else {
        const m = matchKind(child);
        if (!m) continue;
        let text = await readFile(path.join(dir, child), 'utf8');
        if (child.endsWith('.md')) text = splitFrontMatter(text)?.yaml ?? '';
        const data = parseYamlText(text, child).data;
        if (data === undefined) continue;
        const json = `${MIRROR}/${child.replace(/\.(ya?ml|md)$/, '.json')}`;
        await mkdir(path.join(dir, path.posix.dirname(json)), { recursive: true });
        await writeFile(path.join(dir, json), JSON.stringify(data));
        const folder = path.posix.dirname(json);
        all.set(folder, (all.get(folder) ?? new Set()).add(m.schema));
        const folders = bySchemaDir.get(m.schema) ?? new Map<string, string[]>();
        folders.set(folder, [...(folders.get(folder) ?? []), json]);
        bySchemaDir.set(m.schema, folders);
      }
    }
  };
  for (const top of DOCUMENT_ROOTS) await walk(top);
  const out = new Map<string, string[]>();
  for (const [schema, folders] of [...bySchemaDir].sort((a, b) => a[0].localeCompare(b[0]))) {
    out.set(
      schema,
      [...folders].flatMap(([folder, files]) => (all.get(folder)!.size === 1 ? [`${folder}/*.json`] : files)),
    );
  }
  return out;
}

/** Runs a command to its end, collecting its output (also the floor's processes, lint-floor.ts). */
export function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Times ajv-cli over every YAML document of the repository at `dir` (processes run one after another). */
export async function measureAjvCli(repoRoot: string, dir: string): Promise<AjvCliRun> {
  const bin = path.join(repoRoot, 'node_modules/.bin/ajv');
  if (!existsSync(bin)) throw new Error('ajv-cli is not installed: run npm ci');
  const timed = existsSync('/usr/bin/time');
  const groups = await dataArguments(dir);
  let cpuMs: number | undefined = timed ? 0 : undefined;
  let files = 0;
  let invalid = 0;
  const t0 = performance.now();
  for (const [schema, data] of groups) {
    const args = ['validate', '--spec=draft2020', '--all-errors', '--strict=false', '-c', 'ajv-formats', '-s', `schemas/${schema}.schema.json`, ...data.flatMap((d) => ['-d', d])];
    const r = timed ? await run('/usr/bin/time', ['-f', 'OGTIME %U %S', bin, ...args], dir) : await run(bin, args, dir);
    const m = /OGTIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (m && cpuMs !== undefined) cpuMs += (Number(m[1]) + Number(m[2])) * 1000;
    const out = r.stdout + r.stderr;
    files += (out.match(/ (valid|invalid)$/gm) ?? []).length;
    invalid += (out.match(/ invalid$/gm) ?? []).length;
    if (r.code !== 0 && r.code !== 1) throw new Error(`ajv-cli failed on ${schema} (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  return { ms: performance.now() - t0, ...(cpuMs !== undefined ? { cpuMs } : {}), processes: groups.size, files, invalid };
}
