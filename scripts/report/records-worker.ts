/**
 * Worker thread: reads, verifies and adapts record files (inspections are the
 * bulk of a year's evidence) off the main thread, prunes rows to the last run of
 * each month, and posts back the compact result, with where each file's results
 * start (shared-queue.ts). Edge.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pruneInspectionRuns } from './adapters/inspection-records.ts';
import { adaptRecordFile, type VersionsByPath } from './read-records.ts';
import { claim, emptyMarkedPart, markFile } from './shared-queue.ts';

const { root, paths, zone, versions, firstOf, claims } = workerData as { root: string; paths: string[]; zone: string; versions: VersionsByPath; firstOf?: string; claims: SharedArrayBuffer };
const part = emptyMarkedPart();
// Files are claimed one at a time from the front of the shared queue (the main thread claims from the back).
for (let at = claim(claims, 'front'); at !== undefined; at = claim(claims, 'front')) {
  const p = paths[at]!;
  markFile(part, p);
  // Synchronous reads: this thread has nothing else to do, and 20k small files cost far less without the thread-pool round trips.
  adaptRecordFile(part.part, { path: p, bytes: readFileSync(path.join(root, p)) }, zone, versions, firstOf);
  if (p.startsWith('records/inspections/')) pruneInspectionRuns(part.part.inspections, zone, firstOf);
}
parentPort!.postMessage(part);
