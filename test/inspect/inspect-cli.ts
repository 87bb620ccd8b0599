/** `opsgate inspect --format json` run in-process against a test repository and fleet: the exit code, the rows and stderr. */
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import type { RunningFleet } from '../fleet/fleet.ts';
import { captureStdio } from '../helpers/capture.ts';

export async function inspectRows(root: string, fleet: RunningFleet, extra: readonly string[] = []): Promise<{ code: number; rows: InspectionRow[]; stderr: string }> {
  const io = captureStdio();
  const code = await runCli(['inspect', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '60', '--connect-timeout', '20', ...extra], {
    env: { PATH: process.env.PATH },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
  });
  return { code, rows: (JSON.parse(io.out() || '{"results":[]}') as { results: InspectionRow[] }).results, stderr: io.err() };
}
