/**
 * Loads the validators generated at build time (validators.generated.js, written by
 * generate-validators.ts; beside this module in the sources, beside the bundle's chunks
 * once built) as one script through node:vm. The file is checked against the sha256
 * built in with this code (validators.generated.mjs) before V8 sees it: a missing or
 * changed file is an IntegrityError naming it (exit 2), never run. With a V8 code cache when
 * the caller names a directory for it (the bin names its bundle directory in a
 * checkout: OPSGATE_CODE_CACHE_DIR). With the cache, V8 neither parses the 1.2 MB of
 * generated code nor compiles each validator's bytecode on its first call: about
 * 35–50 ms of CPU per lint run at 10k documents (README, Performance). A cache that
 * is missing, unreadable, damaged or rejected by V8 (another Node version or flags) only costs
 * that time: the script is compiled from source and a new cache written. Edge (file I/O).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { IntegrityError } from '../model/errors.ts';
import { DATE_FORMATS } from './date-formats.ts';
import { sourceSha256, type PrecompiledValidator } from './validators.generated.mjs';

type Validators = Record<string, PrecompiledValidator | undefined>;

export interface LoadOptions {
  /** Directory for the code cache; none: compile from source, write nothing. */
  cacheDir?: string;
  /** The generated script and its sha256 (tests); default: read from `file`. */
  script?: { source: string; sha256: string };
  /** Where the generated script is read from (tests); default: validators.generated.js beside this module. */
  file?: string;
  /**
   * The script's file name in stack traces. V8 also keeps compiled scripts in memory by
   * source and name, and then reads no cache: tests load under new names to act as new runs.
   */
  filename?: string;
  /** The V8 flags this process runs with (tests); default: node's own arguments and NODE_OPTIONS. */
  v8Flags?: string;
}

/** How the last load went (tests, benchmarks): `hit` used the cache; `written` made one. */
export let lastLoad: { cache: 'none' | 'hit' | 'written' | 'rejected' | 'unwritable'; file?: string } = { cache: 'none' };

let loaded: Validators | undefined;

/** The precompiled validators by schema name, loaded once per thread (the default options). */
export function precompiledValidators(): Validators {
  return (loaded ??= loadValidators({ cacheDir: process.env.OPSGATE_CODE_CACHE_DIR || undefined }));
}

/** Compiles and runs the generated script; with `cacheDir`, through a V8 code cache. */
export function loadValidators(options: LoadOptions = {}): Validators {
  const script = options.script ?? readScript(options.file ?? fileURLToPath(new URL('./validators.generated.js', import.meta.url)));
  // V8 accepts a cache for any source of the same length: the name carries the content's hash,
  // V8's version and the flags it runs with (V8 rejects a cache made under other flags; one file
  // per set keeps runs with and without, say, a NODE_OPTIONS flag from rewriting each other's).
  const flags = createHash('sha256')
    .update(options.v8Flags ?? `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`)
    .digest('hex')
    .slice(0, 8);
  const file = options.cacheDir ? path.join(options.cacheDir, `validators-${script.sha256.slice(0, 16)}-v8-${process.versions.v8}-${flags}.cache`) : undefined;
  let stored: Buffer | undefined;
  if (file) {
    try {
      stored = readFileSync(file);
    } catch {
      stored = undefined; // no cache yet
    }
  }
  const cachedData = stored && intact(stored);
  const compiled = new vm.Script(script.source, { filename: options.filename ?? 'opsgate:validators.generated.js', cachedData });
  const run = compiled.runInThisContext() as (require: NodeJS.Require, formats: typeof DATE_FORMATS) => { validators: Validators; functions: Array<(data: unknown) => boolean> };
  const { validators, functions } = run(createRequire(import.meta.url), DATE_FORMATS);
  if (!file) lastLoad = { cache: 'none' };
  else if (cachedData && !compiled.cachedDataRejected) lastLoad = { cache: 'hit', file };
  else lastLoad = { cache: writeCache(file, compiled, functions) ? (stored ? 'rejected' : 'written') : 'unwritable', file };
  return validators;
}

/**
 * The generated script, if its bytes have the digest this code was built with. esbuild
 * puts this module in a chunk at the bundle's top level, where scripts/bin/build.mjs
 * copies the script; the sources keep it beside this file. About 3 ms for the 1.2 MB.
 */
function readScript(file: string): { source: string; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`;
    throw new IntegrityError(file, `${file} ${why}: it holds the schema validators of this opsgate (reinstall opsgate; in a checkout, run \`npm run gen:types\`)`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== sourceSha256) {
    throw new IntegrityError(
      file,
      `${file}: its sha256 ${sha256} is not the ${sourceSha256} this opsgate was built with: the schema validators were changed or damaged, and are not run (reinstall opsgate; in a checkout, run \`npm run gen:types\`)`,
    );
  }
  // ASCII by construction (generate-validators.ts): one-byte, no UTF-8 decoding.
  return { source: bytes.toString('latin1'), sha256 };
}

/**
 * The cache file is V8's cached data after its sha256. V8 checks only the data's header
 * (V8's version, flags, the source's length, the payload's length), not its checksum: it
 * runs a changed payload, which then answers wrongly or aborts the process. So a file whose
 * digest does not match is never handed to V8 (about 1 ms per run for the 1.3 MB).
 */
function intact(stored: Buffer): Buffer | undefined {
  if (stored.length <= DIGEST_BYTES) return undefined;
  const data = stored.subarray(DIGEST_BYTES);
  return createHash('sha256').update(data).digest().equals(stored.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

const DIGEST_BYTES = 32;

/**
 * Compiles every validator's bytecode (V8 compiles a function on its first call; a
 * call with no document returns at the first type check), then writes the cache (see
 * intact()) atomically: a concurrent run reads the old file or the new one, never half.
 */
function writeCache(file: string, compiled: vm.Script, functions: Array<(data: unknown) => boolean>): boolean {
  for (const fn of functions) fn(undefined);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const data = compiled.createCachedData();
    writeFileSync(tmp, Buffer.concat([createHash('sha256').update(data).digest(), data]));
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself could not be made: nothing was written
    }
    return false; // a read-only installation: compile from source each run, as without a cache
  }
}
