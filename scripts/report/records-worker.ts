/**
 * Worker thread: reads, verifies and adapts record files (inspections are the
 * bulk of a year's evidence) off the main thread, prunes rows to the last run of
 * each month, and posts back the compact result. Edge.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pruneInspectionRuns } from './adapters/inspection-records.ts';
import { adaptRecordFile, emptyRecordsPart, type VersionsByPath } from './read-records.ts';

const { root, paths, zone, versions, firstOf, claims } = workerData as { root: string; paths: string[]; zone: string; versions: VersionsByPath; firstOf?: string; claims?: SharedArrayBuffer };
const part = emptyRecordsPart();
// With a shared counter, files are claimed one at a time (the main thread takes the rest once it is free); without, all of them.
const counter = claims ? new Int32Array(claims) : undefined;
for (let i = 0; ; i++) {
  const at = counter ? Atomics.add(counter, 0, 1) : i;
  if (at >= paths.length) break;
  const p = paths[at]!;
  // Synchronous reads: this thread has nothing else to do, and 20k small files cost far less without the thread-pool round trips.
  adaptRecordFile(part, { path: p, bytes: readFileSync(path.join(root, p)) }, zone, versions, firstOf);
  if (p.startsWith('records/inspections/')) pruneInspectionRuns(part.inspections, zone, firstOf);
}
parentPort!.postMessage(part);
