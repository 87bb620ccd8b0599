/**
 * Worker thread of readRepo: claims chunks of the file list from a shared
 * counter (the main thread claims from the same counter), loads each file
 * exactly as the main thread would (load-file.ts), and posts each chunk's
 * results as plain data. Edge.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFile, toPortable } from './load-file.ts';
import { createSchemaValidator } from './validate-schema.ts';

const { root, files, schemas, claims, chunk } = workerData as { root: string; files: string[]; schemas: Record<string, object>; claims: SharedArrayBuffer; chunk: number };
const counter = new Int32Array(claims);
const validator = createSchemaValidator(schemas);
for (;;) {
  const c = Atomics.add(counter, 0, 1);
  const from = c * chunk;
  if (from >= files.length) break;
  const results = files.slice(from, from + chunk).map((rel) => toPortable(loadFile(root, rel, validator)));
  parentPort!.postMessage({ chunk: c, results });
}
parentPort!.postMessage({ done: true });
