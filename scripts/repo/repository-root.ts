import { stat } from 'node:fs/promises';
import { UsageError } from '../model/errors.ts';

/**
 * A root that is missing or not a directory is unusable input (exit 2): not an
 * empty repository (a quiet, wrong answer) and not an internal error. Checked at
 * the CLI boundary for every command (run-cli.ts) and again by readRepo, for
 * callers that do not come through the CLI.
 */
export async function requireRepositoryRoot(root: string): Promise<void> {
  const s = await stat(root).catch(() => undefined);
  if (!s?.isDirectory()) throw new UsageError(`repository root ${root} is not a directory`, 'run from the repository, or pass --root DIR');
}
