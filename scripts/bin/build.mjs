#!/usr/bin/env node
// Builds the opsgate bundle with esbuild: the CLI entry and the report's records
// worker, code-split so each command still loads only what it needs. Used by the
// bin (once per source version, in a checkout) and by `npm pack` (prepack: dist/,
// which is what an installed package runs). The files the bundle reads beside itself
// (SHIPPED_BESIDE) are copied into it, checked first against their digest.
//
//   node scripts/bin/build.mjs OUTDIR
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundle's entry points, by output name. */
export const ENTRY_POINTS = {
  opsgate: 'scripts/bin/opsgate.ts',
  'records-worker': 'scripts/report/records-worker.ts',
  'read-worker': 'scripts/repo/read-worker.ts',
};

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
    const { metafile } = await build({
      entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([k, v]) => [k, path.join(root, v)])),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: tmp,
      absWorkingDir: root,
      metafile: true,
      logLevel: 'silent',
    });
    for (const shipped of SHIPPED_BESIDE) if (shipped.readBy in metafile.inputs) copyBeside(root, shipped, tmp);
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
  return path.join(outdir, 'opsgate.js');
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
