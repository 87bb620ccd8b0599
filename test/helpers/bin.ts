import path from 'node:path';
import { repoRoot } from './repo-from-files.ts';

/**
 * The shipped `opsgate` bin: what `npx opsgate` and the workflows run, the esbuild
 * bundle (scripts/bin/opsgate.mjs). CLI tests run this, not the sources through tsx,
 * so a bundling problem fails them. Run it as `execFile(process.execPath, [BIN, ...args])`.
 */
export const BIN = path.join(repoRoot, 'scripts/bin/opsgate.mjs');
