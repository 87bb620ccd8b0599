#!/usr/bin/env node
import { runCli } from './run-cli.ts';

// A reader that goes away (`opsgate lint | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});

// Once nothing is left to run (beforeExit: no pending write, timer, child or worker), end the
// process here instead of letting node tear V8's heap down page by page: at 10k documents that
// teardown is ~0.1 s of wall time for memory the kernel frees anyway. Nothing is cut short.
process.once('beforeExit', () => process.exit());
