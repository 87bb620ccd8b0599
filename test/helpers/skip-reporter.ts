/**
 * A vitest reporter that says, after the run, which tests were skipped and why
 * (test/helpers/needs.ts's skipReason, or the note given to ctx.skip), grouped by file and reason. A skip without a
 * reason is named as such: every skip should say why.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const groups = new Map<string, number>();
    let total = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state !== 'skipped') continue;
        total++;
        const key = `${m.relativeModuleId}: ${t.meta().skipReason ?? r.note ?? (t.options.mode === 'todo' ? 'todo' : 'no reason given')}`;
        groups.set(key, (groups.get(key) ?? 0) + 1);
      }
    }
    if (total === 0) return;
    const lines = [...groups].map(([k, n]) => `  ${n} × ${k}`);
    process.stdout.write(`\n${total} test(s) skipped:\n${lines.join('\n')}\n`);
  }
}
