/**
 * What a command hands the code it runs: the edges it may touch, injected. It lives
 * here, below both scripts/commands/ and the capabilities (converge, backup, …), so a
 * capability that runs on a command's behalf never imports the command layer.
 */
export interface CommandContext {
  /** Arguments after the command name. */
  argv: string[];
  /** Repository root the command works on. */
  root: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The clock, injected so every decision is reproducible. */
  now: () => Date;
  /** True when the user fixed `now` with the global `--now` (only the commands that evaluate and change nothing accept it). */
  nowSet?: boolean;
  debug: boolean;
}
