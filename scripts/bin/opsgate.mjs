#!/usr/bin/env node
// The `opsgate` bin. Runs the TypeScript sources from a bundle that esbuild
// builds once per source version under node_modules/.cache/opsgate/, because
// loading ~200 modules through tsx's hooks costs about a second of start-up on
// every command. If the bundle cannot be built, it falls back to tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'scripts/bin/opsgate.ts');

/** A fingerprint of every source file (path, size, mtime): a new one means a new bundle. */
function sourceVersion() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|json)$/.test(e.name)) {
        const s = statSync(p);
        hash.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(path.join(root, 'scripts'));
  const pkg = statSync(path.join(root, 'package.json'));
  hash.update(`package.json\0${pkg.size}\0${pkg.mtimeMs}`);
  return hash.digest('hex').slice(0, 16);
}

async function bundled() {
  if (process.env.OPSGATE_NO_BUNDLE) return undefined;
  const cache = path.join(root, 'node_modules/.cache/opsgate');
  const dir = path.join(cache, sourceVersion());
  const main = path.join(dir, 'opsgate.js');
  if (existsSync(main)) return main;
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    const { build } = await import('esbuild');
    await build({ entryPoints: [entry], bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outdir: tmp, logLevel: 'silent' });
    mkdirSync(cache, { recursive: true });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process built the same version first
    }
    for (const old of readdirSync(cache)) if (old !== path.basename(dir) && !old.includes('.tmp-')) rmSync(path.join(cache, old), { recursive: true, force: true });
    return existsSync(main) ? main : undefined;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    return undefined;
  }
}

const main = await bundled();
if (main) await import(pathToFileURL(main).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
}
