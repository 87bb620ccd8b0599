/** Evaluates a command result against an expectation. Pure. */
import type { Expectation } from './types.ts';

export interface CommandOutcome {
  code: number | null;
  signal?: string;
  stdout: string;
}

export interface CheckVerdict {
  ok: boolean;
  /** Why it failed, in words a person can act on. */
  why?: string;
}

export function evaluateExpectation(result: CommandOutcome, expect: Expectation | undefined): CheckVerdict {
  const wantCode = expect?.exit_code ?? 0;
  if (result.code === null) return { ok: false, why: `ended by signal ${result.signal ?? 'unknown'}` };
  if (result.code !== wantCode) return { ok: false, why: `exit code ${result.code}, expected ${wantCode}` };
  if (expect?.stdout_contains !== undefined && !result.stdout.includes(expect.stdout_contains)) {
    return { ok: false, why: `stdout does not contain ${JSON.stringify(expect.stdout_contains)}` };
  }
  if (expect?.stdout_matches !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(expect.stdout_matches, 'm');
    } catch {
      return { ok: false, why: `invalid pattern /${expect.stdout_matches}/` };
    }
    if (!re.test(result.stdout)) return { ok: false, why: `stdout does not match /${expect.stdout_matches}/` };
  }
  return { ok: true };
}

/** Output kept in a record: at most `max` characters, plus the hash of the whole (redacted) text. */
export function truncateOutput(text: string, max = 4096): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: text.slice(0, max), truncated: true };
}
