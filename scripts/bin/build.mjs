#!/usr/bin/env node
// Builds the opsgate bundle with esbuild: the CLI entry and the report's records
// worker, code-split so each command still loads only what it needs. Used by the
// bin (once per source version, in a checkout) and by `npm pack` (prepack: dist/,
// which is what an installed package runs).
//
//   node scripts/bin/build.mjs OUTDIR
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundle's entry points, by output name. */
export const ENTRY_POINTS = {
  opsgate: 'scripts/bin/opsgate.ts',
  'records-worker': 'scripts/report/records-worker.ts',
  'read-worker': 'scripts/repo/read-worker.ts',
};

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
    await build({
      entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([k, v]) => [k, path.join(root, v)])),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: tmp,
      logLevel: 'silent',
    });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
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
