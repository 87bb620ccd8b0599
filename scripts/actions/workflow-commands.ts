/**
 * GitHub workflow commands (`::error file=F,line=L,col=C,title=T::message`), rendered as
 * @actions/core issues them: the same escaping of `%`, CR and LF in the message, and of those
 * plus `:` and `,` in a property. Pure: the command returns text for the injected stdout
 * (core writes to process.stdout and reads process.env, which in-process runs could neither
 * capture nor inject). test/cli/workflow-commands.test.ts checks the output against core's own.
 */

export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** Properties in the order they are written; undefined and empty values are left out, as core does. */
export type CommandProperties = Readonly<Record<string, string | number | undefined>>;

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line, without the line break. */
export function renderWorkflowCommand(command: string, properties: CommandProperties, message: string): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== '' && v !== 0)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${command}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}
