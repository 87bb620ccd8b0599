import type { CommandContext } from '../model/command-context.ts';

/** What every command receives from the entry point (scripts/model/command-context.ts, shared with the layers below). */
export type { CommandContext };

export type Command = (ctx: CommandContext) => Promise<number>;
