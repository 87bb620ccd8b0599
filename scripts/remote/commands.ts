/**
 * Command rendering shared by apply and converge (ARCHITECTURE.md, "Safe
 * execution"): argument lists quoted by the SSH edge's one quoting function.
 * Pure.
 */
import { quoteArgv } from '../ssh/quote.ts';

export interface RenderedCommand {
  /** The command without sudo (what the step runner runs). */
  argv: string[];
  /** Whether it runs as root (`sudo -n --`). */
  sudo: boolean;
  /** The command as a person reads it in a plan: `sudo -n -- …` when sudo, quoted by quoteArgv. */
  command: string;
}

export function withSudo(sudo: boolean | undefined, argv: readonly string[]): string[] {
  return sudo ? ['sudo', '-n', '--', ...argv] : [...argv];
}

export function rendered(argv: string[], sudo = false): RenderedCommand {
  return { argv, sudo, command: quoteArgv(withSudo(sudo, argv)) };
}

/** A root script sent on stdin (converge access and baseline). */
export function renderRootScript(): RenderedCommand {
  return rendered(['sh', '-s'], true);
}
