/**
 * Every production host is inspected against at least one baseline (issue 16,
 * item 5): a host whose inventory `env` is prod and that no baseline reaches,
 * through the baseline's and at least one of its checks' `applies_to`, is never
 * inspected, so its compliance is unknown while the reports look clean. A
 * repository without any baseline has not taken up inspection (policies/baselines/
 * is empty or absent) and is not reported host by host. Pure.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import { inScope } from '../inspect/model.ts';
import { at, type RuleInput } from './rule-context.ts';

export function checkBaselineCoverage({ repo }: RuleInput): Diagnostic[] {
  const baselines = repo.all('baseline');
  const baselineFiles = [...repo.files].filter((f) => f.startsWith('policies/baselines/') && /\.ya?ml$/.test(f));
  if (baselineFiles.length === 0) return [];
  // A baseline file that did not load is reported by its own diagnostics; what it covers is unknown, so say nothing here.
  if (baselineFiles.some((f) => !baselines.some((b) => b.file === f))) return [];
  const out: Diagnostic[] = [];
  for (const h of repo.all('host')) {
    if (h.data.env !== 'prod') continue;
    const host = { id: h.id, groups: h.data.groups, env: h.data.env };
    const covering = baselines.filter((b) => inScope(b.data.applies_to, host) && b.data.checks.some((c) => inScope(c.applies_to, host)));
    if (covering.length > 0) continue;
    const names = baselines.map((b) => b.id);
    out.push(
      at(
        h,
        '/env',
        'inspect.prod-host-unbaselined',
        `production host ${h.id} (groups ${h.data.groups.join(', ') || 'none'}) is in scope of no baseline (${names.join(', ')} exclude it by applies_to): inspect never checks it`,
        `add one of its groups (${h.data.groups.join(', ') || 'give it a group'}) or its id to a baseline's applies_to under policies/baselines/, or write a baseline for it`,
      ),
    );
  }
  return out;
}
