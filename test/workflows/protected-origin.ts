/**
 * A bare "origin" whose pre-receive hook enforces what the README's branch
 * protection asks of GitHub, so tests push with real git against it:
 *
 * - the default branch accepts a pull-request merge (pusher `merge`, standing
 *   for "required checks passed, merged through a pull request"), and the
 *   opsgate App (pusher `opsgate-app`, the ruleset's only bypass actor) — but
 *   the App only fast-forwards, and only with commits touching records/** or
 *   reports/** (the push ruleset that keeps everyone else off records/**);
 * - nobody else pushes it: not GITHUB_TOKEN (`github-actions`), not a person;
 *   it is never deleted or rewound;
 * - `opsgate/lease/*` may be created and deleted by the workflows.
 *
 * The pusher is the environment variable OG_PUSHER of the pushing process
 * (local pushes run the hook with the pusher's environment).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PRE_RECEIVE = `#!/bin/bash
set -u
zero=0000000000000000000000000000000000000000
status=0
while read -r old new ref; do
  case "$ref" in
    refs/heads/main)
      if [ "$new" = "$zero" ]; then echo "main is protected: it cannot be deleted" >&2; status=1; continue; fi
      if [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new"; then echo "main is protected: no force pushes" >&2; status=1; continue; fi
      case "\${OG_PUSHER:-}" in
        merge) ;;
        opsgate-app)
          bad=$(git diff --name-only "$old" "$new" | grep -v -E '^(records|reports)/' || true)
          if [ -n "$bad" ]; then echo "main is protected: the opsgate App may only write records/** and reports/**, not: $bad" >&2; status=1; fi ;;
        *) echo "main is protected: changes must be made through a pull request (pusher '\${OG_PUSHER:-unknown}' is no bypass actor)" >&2; status=1 ;;
      esac ;;
    refs/heads/opsgate/lease/*) ;;
    *) ;;
  esac
done
exit $status
`;

export interface ProtectedOrigin {
  /** The bare repository (use as a remote URL). */
  bare: string;
  dir: string;
  git(cwd: string, args: string[], pusher?: string): string;
  /** A fresh clone, as actions/checkout makes one (full history). */
  clone(name: string, pusher?: string): string;
  /** Commits `files` on main through a "pull request" merge, from a scratch clone. */
  merge(files: Record<string, string>, message: string): string;
  refExists(ref: string): boolean;
  show(ref: string, file: string): string | undefined;
  cleanup(): void;
}

const ident = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.invalid', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.invalid' };

export function createProtectedOrigin(seed: Record<string, string>): ProtectedOrigin {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'og-origin-'));
  const bare = path.join(dir, 'origin.git');
  const run = (cwd: string, args: string[], pusher?: string) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ident, ...(pusher ? { OG_PUSHER: pusher } : {}) } });
  run(dir, ['init', '-q', '--bare', '-b', 'main', bare]);
  writeFileSync(path.join(bare, 'hooks', 'pre-receive'), PRE_RECEIVE);
  chmodSync(path.join(bare, 'hooks', 'pre-receive'), 0o755);
  const seedDir = path.join(dir, 'seed');
  run(dir, ['init', '-q', '-b', 'main', seedDir]);
  for (const [rel, text] of Object.entries(seed)) {
    execFileSync('mkdir', ['-p', path.dirname(path.join(seedDir, rel))]);
    writeFileSync(path.join(seedDir, rel), text);
  }
  run(seedDir, ['add', '-A']);
  run(seedDir, ['commit', '-q', '--allow-empty', '-m', 'seed']);
  run(seedDir, ['push', '-q', bare, 'main'], 'merge');
  let n = 0;
  const o: ProtectedOrigin = {
    bare,
    dir,
    git: run,
    clone(name, pusher) {
      const target = path.join(dir, name);
      run(dir, ['clone', '-q', bare, target]);
      if (pusher) run(target, ['config', 'user.name', pusher]);
      return target;
    },
    merge(files, message) {
      const c = o.clone(`merge-${++n}`);
      for (const [rel, text] of Object.entries(files)) {
        execFileSync('mkdir', ['-p', path.dirname(path.join(c, rel))]);
        writeFileSync(path.join(c, rel), text);
      }
      run(c, ['add', '-A']);
      run(c, ['commit', '-q', '-m', message]);
      run(c, ['push', '-q', 'origin', 'HEAD:main'], 'merge');
      const sha = run(c, ['rev-parse', 'HEAD']).trim();
      rmSync(c, { recursive: true, force: true });
      return sha;
    },
    refExists(ref) {
      try {
        run(bare, ['rev-parse', '--verify', '--quiet', ref]);
        return true;
      } catch {
        return false;
      }
    },
    show(ref, file) {
      try {
        return run(bare, ['show', `${ref}:${file}`]);
      } catch {
        return undefined;
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return o;
}
