/**
 * The floor under lint's time on this machine, printed by `bench:lint` beside its
 * figures: work no implementation of lint can skip, timed in fresh Node processes
 * on the same synthetic repository.
 *   - Node's own start (`node -e 0`);
 *   - reading every document file and decoding it as UTF-8 (one thread);
 *   - JSON.parse of the same documents' values, from the JSON copies ajv-cli was
 *     given (ajv-cli.ts, MIRROR; reading them is not timed): V8's native parser
 *     building the objects lint's YAML reader must build, with no YAML, schema,
 *     position or rule work at all;
 *   - what a first touch of a fresh 4 KB page costs (a 64 MB array written once per
 *     page): not part of the sum, but it prices the memory lint touches, and it is
 *     what makes one virtual machine much slower than another for the same work.
 * Their sum is what a lint of these documents costs here before it checks anything,
 * so a target can be judged against the machine it is measured on.
 */
import path from 'node:path';
import { DOCUMENT_ROOTS } from '../repo/kinds.ts';
import { MIRROR, run } from './ajv-cli.ts';

export interface LintFloor {
  nodeStartMs: number;
  readDecodeMs: number;
  jsonParseMs: number;
  /** Microseconds per first touch of a 4 KB page. */
  pageFaultUs: number;
  files: number;
  jsonFiles: number;
}

// Plain CommonJS for `node -e`: argv[1] the repository, argv[2] the JSON mirror, argv[3] the roots.
const CHILD = `
const fs = require('node:fs');
const [dir, mirror, roots] = process.argv.slice(1);
const list = (d, out, re) => { let es; try { es = fs.readdirSync(d, { withFileTypes: true }); } catch { return out; }
  for (const e of es) { const p = d + '/' + e.name; if (e.isDirectory()) list(p, out, re); else if (re.test(e.name)) out.push(p); } return out; };
const docs = []; for (const r of roots.split(',')) list(dir + '/' + r, docs, /\\.(ya?ml|md)$/);
let chars = 0;
const t0 = performance.now();
for (const f of docs) chars += fs.readFileSync(f).toString('utf8').length;
const t1 = performance.now();
const texts = list(mirror, [], /\\.json$/).map((f) => fs.readFileSync(f, 'utf8'));
const kept = [];
const t2 = performance.now();
for (const t of texts) kept.push(JSON.parse(t));
const t3 = performance.now();
const fresh = new Uint8Array(64 * 1024 * 1024);
const t4 = performance.now();
for (let i = 0; i < fresh.length; i += 4096) fresh[i] = 1;
const pageFaultUs = ((performance.now() - t4) * 1000) / (fresh.length / 4096);
process.stdout.write(JSON.stringify({ readDecodeMs: t1 - t0, jsonParseMs: t3 - t2, pageFaultUs, files: docs.length, jsonFiles: kept.length, chars }));
`;

/** One fresh Node process, timed from outside. */
async function node(args: string[]): Promise<{ ms: number; stdout: string; stderr: string; code: number | null }> {
  const t0 = performance.now();
  const r = await run(process.execPath, args, process.cwd());
  return { ms: performance.now() - t0, ...r };
}

const middle = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Medians of five runs each; `dir` must hold ajv-cli's JSON copies (run measureAjvCli first). */
export async function measureLintFloor(dir: string): Promise<LintFloor> {
  const starts: number[] = [];
  const runs: Omit<LintFloor, 'nodeStartMs'>[] = [];
  for (let k = 0; k < 5; k++) {
    starts.push((await node(['-e', '0'])).ms);
    const r = await node(['-e', CHILD, dir, path.join(dir, MIRROR), DOCUMENT_ROOTS.join(',')]);
    if (r.code !== 0) throw new Error(`the floor measurement failed (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
    runs.push(JSON.parse(r.stdout) as Omit<LintFloor, 'nodeStartMs'>);
  }
  return {
    nodeStartMs: middle(starts),
    readDecodeMs: middle(runs.map((r) => r.readDecodeMs)),
    jsonParseMs: middle(runs.map((r) => r.jsonParseMs)),
    pageFaultUs: middle(runs.map((r) => r.pageFaultUs)),
    files: runs[0]!.files,
    jsonFiles: runs[0]!.jsonFiles,
  };
}
