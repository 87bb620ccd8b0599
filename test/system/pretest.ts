/**
 * `npm test`'s pretest: makes sure the machine has what the suites need, or says
 * in one line what is missing. As root with apt-get it installs the missing
 * Debian packages (apt-get update first). See decidePretest for the rules.
 */
import { spawnSync } from 'node:child_process';
import { decidePretest, probeMachine } from './needs.ts';

const allowSkip = process.env.OPSGATE_ALLOW_SKIP === '1';
let machine = probeMachine();
let decision = decidePretest(machine, { allowSkip, installTried: false });
if (decision.action === 'install') {
  process.stdout.write(`pretest: installing ${decision.packages.join(' ')} (apt-get)\n`);
  for (const argv of decision.commands) {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) {
      process.stderr.write(`pretest: ${argv.join(' ')} exited ${r.status ?? r.signal}\n`);
      break;
    }
  }
  machine = probeMachine();
  decision = decidePretest(machine, { allowSkip, installTried: true });
}
if (decision.action === 'stop') {
  process.stderr.write(decision.line + '\n');
  process.exit(1);
}
if (decision.action === 'run') for (const n of decision.notes) process.stdout.write(`pretest: ${n}\n`);
