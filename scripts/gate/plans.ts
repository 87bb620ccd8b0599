import type { ChangeDocument, HostDocument } from '../model/documents.generated.ts';
import { planChange, type RepoFileInfo } from '../change/plan.ts';
import { planExposure, renderPlanMarkdown } from '../change/render-plan.ts';
import type { ChangePlanView } from './types.ts';

/**
 * What each changed change request will run, as `opsgate plan --format
 * markdown` shows it, for the sticky comment and the job summary: reviewers
 * approve commands, not only YAML. The exposure line calls out the host count,
 * the production hosts, which secret goes to which host and what runs as
 * root. Display only: the gate decides on the rules, lint's checks and the
 * bindings, never on a plan. Pure.
 */
export function planViews(args: {
  changes: readonly { file: string; data: Record<string, unknown> }[];
  hosts: ReadonlyMap<string, Record<string, unknown>>;
  files: ReadonlyMap<string, RepoFileInfo>;
  now: Date;
}): ChangePlanView[] {
  const hostList = [...args.hosts].map(([id, data]) => ({ id, data: data as unknown as HostDocument }));
  const out: ChangePlanView[] = [];
  for (const c of args.changes) {
    const data = c.data as unknown as ChangeDocument;
    try {
      const ids = new Set(data.targets?.hosts ?? []);
      const groups = new Set(data.targets?.groups ?? []);
      const hosts = hostList.filter((h) => ids.has(h.id) || (h.data.groups ?? []).some((g) => groups.has(g)));
      const plan = planChange({
        change: { id: String(data.id), file: c.file, sha256: '', data },
        hosts,
        unknownHosts: [...ids].filter((h) => !args.hosts.has(h)),
        files: args.files,
        access: { people: [], roles: [], grants: [] },
        now: args.now,
      });
      const e = planExposure(plan);
      out.push({
        change: String(data.id),
        hosts: e.hosts,
        prod_hosts: hosts.filter((h) => h.data.env === 'prod').map((h) => h.id),
        secrets: e.secrets,
        sudo: e.sudo,
        markdown: renderPlanMarkdown(plan),
      });
    } catch (err) {
      out.push({ change: String(data.id), hosts: 0, prod_hosts: [], secrets: [], sudo: [], markdown: `(no plan: ${(err as Error).message})\n` });
    }
  }
  return out;
}
