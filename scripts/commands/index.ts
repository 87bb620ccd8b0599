import type { Command } from './context.ts';

/**
 * The command registry. Each command is imported lazily so `lint` never pays
 * for ssh2 and SSH never pays for the report templates.
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  lint: { summary: 'validate every document: schemas, references, governance rules', load: async () => (await import('./lint.ts')).lintCommand },
  new: { summary: 'scaffold the next change request or incident record from a template', load: async () => (await import('./new.ts')).newCommand },
  gate: { summary: 'decide whether the reviews on a pull request satisfy policies/approval.yaml; publish status and comment', load: async () => (await import('./gate.ts')).gateCommand },
};
