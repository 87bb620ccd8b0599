/**
 * Worker thread: reads, verifies and adapts inspection record files (the bulk
 * of a year's evidence) off the main thread, prunes rows to the last run of
 * each month, and posts back the compact result. Edge.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pruneInspectionRuns } from './adapters/inspection-records.ts';
import { adaptRecordFile, emptyRecordsPart } from './read-input.ts';

const { root, paths, zone } = workerData as { root: string; paths: string[]; zone: string };
const part = emptyRecordsPart();
for (const p of paths) {
  adaptRecordFile(part, { path: p, bytes: await readFile(path.join(root, p)) });
  pruneInspectionRuns(part.inspections, zone);
}
parentPort!.postMessage(part);
