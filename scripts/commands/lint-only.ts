import type { commands as everyCommand } from './index.ts';
import { ARGS, lintCommand } from './lint.ts';

/**
 * The registry of lint's own bundled program: scripts/bin/build.mjs builds it in place of
 * index.ts, and the bin runs that program only for lint's command lines
 * (scripts/bin/program-for.ts). Lint alone, imported statically, so the program is one file
 * instead of the ~45 chunks lint shares with other commands in the code-split program.
 */
export const commands: typeof everyCommand = {
  lint: { summary: 'validate every document: schemas, references, governance rules', load: async () => lintCommand, args: async () => ARGS },
};
