/** What every command receives from the entry point: the edges it may touch, injected. */
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
  debug: boolean;
}

export type Command = (ctx: CommandContext) => Promise<number>;
