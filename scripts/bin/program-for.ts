/**
 * Which of the bundle's two programs (scripts/bin/build.mjs) runs a command line: lint's
 * own, whose code is one file, or the code-split program of every command. Lint's is
 * chosen only when the command is surely lint: every word before it is a global option
 * (`--debug`, `--root DIR`, `--now ISO`, `--root=DIR`, `--now=ISO`) with a value that does
 * not start with '-'. Any other line goes to the full program, which runs lint as well:
 * both programs are built from the same run-cli.ts, so the choice changes the start-up
 * time, never what a command line does.
 */
export const LINT_PROGRAM = './opsgate-lint.js';
export const FULL_PROGRAM = './opsgate.js';

export function programFor(argv: readonly string[]): typeof LINT_PROGRAM | typeof FULL_PROGRAM {
  let i = 0;
  for (;;) {
    const word = argv[i] ?? '';
    if (word === '--debug' || /^--(root|now)=./.test(word)) i += 1;
    else if ((word === '--root' || word === '--now') && /^[^-]/.test(argv[i + 1] ?? '')) i += 2;
    else break;
  }
  return argv[i] === 'lint' ? LINT_PROGRAM : FULL_PROGRAM;
}
