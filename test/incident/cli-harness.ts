import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command, CommandContext } from '../../scripts/commands/context.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { captureStdio } from '../helpers/capture.ts';

/** Runs a command in-process against a repository directory, capturing its output. */
export async function runCommand(command: Command, root: string, argv: string[], nowIso: string, env: NodeJS.ProcessEnv = {}) {
  const io = captureStdio();
  const ctx: CommandContext = { argv, root, env, stdout: io.stdout, stderr: io.stderr, now: () => new Date(nowIso), debug: false };
  let code: number;
  let usage = '';
  try {
    code = await command(ctx);
  } catch (e) {
    const { UsageError } = await import('../../scripts/model/errors.ts');
    if (e instanceof UsageError) {
      usage = e.message;
      code = 2;
    } else throw e;
  }
  return { code, out: io.out(), err: io.err() + usage };
}

/** A temporary repository with the given files and every schema. */
export async function tempRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-incident-'));
  for (const [f, t] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), t);
  }
  await mkdir(path.join(root, 'schemas'), { recursive: true });
  for (const s of ['sla', 'incident', 'host', 'group', 'person', 'contact', 'calendar', 'oncall', 'handover', 'change']) {
    await writeFile(path.join(root, `schemas/${s}.schema.json`), await readFile(path.join(repoRoot, `schemas/${s}.schema.json`)));
  }
  return root;
}
