#!/usr/bin/env node
// Builds the opsgate bundle with esbuild. Used by the bin (once per source version, in a
// checkout) and by `npm pack` (prepack: dist/, which is what an installed package runs).
// One directory holds two programs and start.js, which the bin imports to run one of them
// (scripts/bin/program-for.ts picks):
// - opsgate.js, every command, code-split so each loads only what it needs; with the
//   workers (ENTRY_POINTS);
// - opsgate-lint.js, lint alone (LINT_PROGRAM), one file: through the full program lint
//   loads ~45 chunks, each resolved, read and compiled on its own (a single-file lint
//   starts with ~50 ms less CPU). It is the same entry and run-cli.ts with the registry
//   holding only lint, so one process never holds two copies of a class.
// The files the bundle reads beside itself (SHIPPED_BESIDE) are copied into it, checked
// first against their digest.
//
//   node scripts/bin/build.mjs OUTDIR
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundle's entry points, by output name. */
export const ENTRY_POINTS = {
  start: 'scripts/bin/start.ts',
  opsgate: 'scripts/bin/opsgate.ts',
  'records-worker': 'scripts/report/records-worker.ts',
  'read-worker': 'scripts/repo/read-worker.ts',
};

/**
 * Lint's own program: the CLI entry with `registry` (every command) replaced by
 * `replacement` (lint alone). Its lazily loaded modules (git, for --changed-since) are
 * chunks of its own, named after it so they never meet the full program's.
 */
export const LINT_PROGRAM = { name: 'opsgate-lint', entry: 'scripts/bin/opsgate.ts', registry: 'scripts/commands/index.ts', replacement: 'scripts/commands/lint-only.ts' };

/**
 * Files the bundle reads at run time from beside its chunks, each copied in when the
 * module that reads it is bundled. The precompiled validators' 1.2 MB script is one:
 * as a string literal in a chunk, V8 would compile it on every start (80–150 ms); the
 * bundle checks the copy against the digest it was built with (sha256From, bundled).
 */
export const SHIPPED_BESIDE = [{ readBy: 'scripts/repo/precompiled-validators.ts', file: 'scripts/repo/validators.generated.js', sha256From: 'scripts/repo/validators.generated.mjs' }];

/** A failed build, with esbuild's located messages (`file:line:col: text`). */
export class BundleBuildError extends Error {
  constructor(messages) {
    super(messages.join('\n'));
    this.name = 'BundleBuildError';
  }
}

function located(m) {
  const l = m.location;
  return l ? `${l.file}:${l.line}:${l.column + 1}: ${m.text}` : m.text;
}

/**
 * Builds into `outdir` atomically (a temporary sibling renamed into place), so a
 * concurrent reader never sees half a bundle. Throws BundleBuildError on failure.
 */
export async function buildBundle(outdir, { root = packageRoot } = {}) {
  const { build } = await import('esbuild');
  const tmp = `${outdir}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    const common = { bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outdir: tmp, absWorkingDir: root, metafile: true, logLevel: 'silent' };
    const full = await build({ ...common, entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([k, v]) => [k, path.join(root, v)])) });
    const lint = await build({
      ...common,
      entryPoints: { [LINT_PROGRAM.name]: path.join(root, LINT_PROGRAM.entry) },
      chunkNames: `${LINT_PROGRAM.name}-[name]-[hash]`,
      plugins: [replaceModule(path.join(root, LINT_PROGRAM.registry), path.join(root, LINT_PROGRAM.replacement))],
    });
    const inputs = { ...full.metafile.inputs, ...lint.metafile.inputs };
    for (const shipped of SHIPPED_BESIDE) if (shipped.readBy in inputs) copyBeside(root, shipped, tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof BundleBuildError) throw e;
    const errors = Array.isArray(e?.errors) && e.errors.length ? e.errors.map(located) : [String(e?.message ?? e)];
    throw new BundleBuildError(errors);
  }
  mkdirSync(path.dirname(outdir), { recursive: true });
  try {
    renameSync(tmp, outdir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // Another process built the same version first: theirs is as good as ours.
    if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
  }
  return path.join(outdir, 'start.js');
}

/** An esbuild plugin that resolves every import of the file `from` to the file `to`. */
function replaceModule(from, to) {
  return {
    name: 'replace-module',
    setup(b) {
      b.onResolve({ filter: /\.ts$/ }, (args) => (args.resolveDir && path.resolve(args.resolveDir, args.path) === from ? { path: to } : undefined));
    },
  };
}

/** Copies one SHIPPED_BESIDE file into `outdir` if it has the digest generated with it; a BundleBuildError otherwise. */
function copyBeside(root, { file, sha256From }, outdir) {
  const from = path.join(root, file);
  const digestFile = path.join(root, sha256From);
  let bytes;
  try {
    bytes = readFileSync(from);
  } catch (e) {
    throw new BundleBuildError([`${from}: ${e.code === 'ENOENT' ? 'missing' : e.message}; the bundle reads it at run time (run \`npm run gen:types\`)`]);
  }
  const expected = /\bsourceSha256 = ["']([0-9a-f]{64})["']/.exec(readFileSync(digestFile, 'utf8'))?.[1];
  if (!expected) throw new BundleBuildError([`${digestFile}: no sourceSha256 found (run \`npm run gen:types\`)`]);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) throw new BundleBuildError([`${from} does not match the sha256 in ${digestFile} (${actual} against ${expected}): run \`npm run gen:types\``]);
  copyFileSync(from, path.join(outdir, path.basename(file)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node scripts/bin/build.mjs OUTDIR\n');
    process.exit(2);
  }
  const dir = path.resolve(out);
  rmSync(dir, { recursive: true, force: true });
  try {
    await buildBundle(dir);
    process.stdout.write(`built ${path.relative(process.cwd(), dir) || dir}\n`);
  } catch (e) {
    process.stderr.write(`cannot build the opsgate bundle:\n${e.message}\n`);
    process.exit(1);
  }
}
