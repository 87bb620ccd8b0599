/**
 * A controller that SIGKILLs itself at a chosen point of a run, for the
 * crash tests: `tsx kill-driver.ts ROOT CHANGE IDENTITY KILL_AT [COMMIT_AT] [--resume] [--confirm-seconds N]`.
 * KILL_AT / COMMIT_AT: `TYPE[:STEP]`, e.g. `step.executing:s2`, `host.done`,
 * or `never`. COMMIT_AT commits records/ to git right after that event, as
 * the workflow would have (so a later reset to the last commit keeps it).
 * Test code only: opsgate itself has no such hook.
 */
import { execFileSync } from 'node:child_process';
import { applyChange } from '../../scripts/change/apply-change.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';

const [root, change, identity, killAt, commitAt = 'never', ...rest] = process.argv.slice(2);
const matches = (spec: string, e: Record<string, unknown>) => {
  if (spec === 'never') return false;
  const [type, step] = spec.split(':');
  return e.type === type && (step === undefined || e.step === step);
};
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root!, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });

const r = await applyChange({
  repo: await readRepo(root!),
  changeId: change!,
  env: { OPSGATE_DEFAULT_BRANCH: 'main', PATH: process.env.PATH },
  now: () => new Date(),
  identityFile: identity!,
  resume: rest.includes('--resume'),
  ...(rest.includes('--confirm-seconds') ? { confirmSeconds: Number(rest[rest.indexOf('--confirm-seconds') + 1]) } : {}),
  onEvent: (e) => {
    process.stdout.write(`event ${String(e.type)} ${String(e.host ?? '')} ${String(e.step ?? '')}\n`);
    if (matches(commitAt, e)) {
      git('add', '-A', 'records');
      git('commit', '-q', '-m', `records after ${String(e.type)}`);
    }
    if (matches(killAt!, e)) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write(`status ${r.status}\n`);
