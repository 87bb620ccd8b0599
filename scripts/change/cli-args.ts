import { UsageError } from '../model/errors.ts';

/** A small flag parser shared by plan, apply and converge: `--flag`, `--flag VALUE`, `--flag=VALUE`, positionals. */
export function parseFlags(argv: readonly string[], spec: { boolean: readonly string[]; value: readonly string[]; multi?: readonly string[] }, usage: string) {
  const flags: Record<string, string | boolean> = {};
  const multi: Record<string, string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    if (spec.boolean.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`, usage);
      flags[name] = true;
    } else if (spec.value.includes(name) || spec.multi?.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`, usage);
      if (spec.multi?.includes(name)) (multi[name] ??= []).push(v);
      else flags[name] = v;
    } else throw new UsageError(`unknown option '${a}'`, usage);
  }
  return { flags, multi, positional };
}
