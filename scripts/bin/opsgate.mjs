#!/usr/bin/env node
// The `opsgate` bin. It always runs a bundle built by esbuild (scripts/bin/build.mjs):
// - in an installed package: the prebuilt dist/ that `npm pack` made;
// - in a checkout (the TypeScript sources are here): a bundle built once per source
//   version under node_modules/.cache/opsgate/, because loading ~200 modules through
//   tsx's hooks costs about a second of start-up on every command.
// It imports the bundle's start.js, which runs lint's own program for a lint command line
// and the program of every command otherwise (build.mjs). A bundle that cannot be built
// or found is an error (exit 3), never a silent fallback. OPSGATE_NO_BUNDLE=1 runs the
// sources through tsx instead, on request only.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'scripts/bin/opsgate.ts');

/**
 * A fingerprint of every source file (path, size, mtime): a new one means a new bundle.
 * Runs before every command in a checkout, so it stays lean: one hash update, paths
 * joined by hand (path.join per file cost half of its ~10 ms).
 */
function sourceVersion() {
  const parts = [];
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = dir + path.sep + e.name;
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|json)$|\.generated\.js$/.test(e.name)) {
        const s = statSync(p);
        parts.push(p, s.size, s.mtimeMs);
      }
    }
  };
  walk(path.join(root, 'scripts'));
  const pkg = statSync(path.join(root, 'package.json'));
  parts.push('package.json', pkg.size, pkg.mtimeMs);
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

function fail(message) {
  process.stderr.write(`opsgate: internal error: ${message}\n`);
  process.exit(3);
}

async function checkoutBundle() {
  const cache = path.join(root, 'node_modules/.cache/opsgate');
  const version = sourceVersion();
  const dir = path.join(cache, version);
  const main = path.join(dir, 'start.js');
  if (existsSync(main)) return main;
  const { buildBundle } = await import('./build.mjs');
  try {
    await buildBundle(dir, { root });
  } catch (e) {
    fail(`cannot build the bundle from the sources (run with OPSGATE_NO_BUNDLE=1 to use tsx instead):\n${e.message}`);
  }
  for (const old of readdirSync(cache)) if (old !== version && !old.includes('.tmp-')) rmSync(path.join(cache, old), { recursive: true, force: true });
  if (!existsSync(main)) fail(`the bundle was built but ${main} is missing`);
  return main;
}

if (process.env.OPSGATE_NO_BUNDLE === '1') {
  if (!existsSync(entry)) fail('OPSGATE_NO_BUNDLE=1 needs the TypeScript sources, and this installation has only the bundle');
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
} else {
  const main = existsSync(entry) ? await checkoutBundle() : path.join(root, 'dist/start.js');
  if (!existsSync(main)) fail(`this installation has no bundle (${main}): reinstall the opsgate package`);
  // In a checkout, V8 code caches live beside the bundle and go with it (scripts/repo/precompiled-validators.ts).
  if (existsSync(entry)) process.env.OPSGATE_CODE_CACHE_DIR ??= path.dirname(main);
  await import(pathToFileURL(main).href);
}
