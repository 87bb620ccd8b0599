/** `opsgate inspect --format json` run in-process against a test repository and fleet: the exit code, the rows and stderr. */
import { Writable } from 'node:stream';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import type { RunningFleet } from '../fleet/fleet.ts';

export async function inspectRows(root: string, fleet: RunningFleet, extra: readonly string[] = []): Promise<{ code: number; rows: InspectionRow[]; stderr: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(c, _e, cb) {
        f(String(c));
        cb();
      },
    });
  const code = await runCli(['inspect', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '60', '--connect-timeout', '20', ...extra], {
    env: { PATH: process.env.PATH },
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    cwd: root,
  });
  return { code, rows: (JSON.parse(out || '{"results":[]}') as { results: InspectionRow[] }).results, stderr: err };
}
