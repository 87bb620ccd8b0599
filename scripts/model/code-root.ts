import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of opsgate's own package.json: where its code, schemas and
 * templates live. Found by walking up from this module, so it is the same
 * whether the sources run through tsx or from the bundle the `opsgate` bin
 * builds under node_modules/.cache/.
 */
function findCodeRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'opsgate') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find opsgate's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const codeRoot = findCodeRoot();

/** A path inside opsgate's own code tree. */
export function codePath(...parts: string[]): string {
  return path.join(codeRoot, ...parts);
}
