import type { Diagnostic } from '../model/diagnostic.ts';
import { parseDocumentText } from '../repo/parse-document.ts';
import { ambiguousSingletonMessage, singletonSpellings } from '../repo/singleton-path.ts';
import type { SchemaValidator } from '../repo/validate-schema.ts';
import { personFile } from './person-file.ts';
import { isLeaf } from './requirement.ts';
import type { ApprovalPolicy, ApproverSet, Freeze, GateProblem, InventoryGroup, InventoryHost, Person, Requirement } from './types.ts';

/**
 * The file of a singleton document (`policies/approval`, `policies/calendar`): lint and apply read either spelling,
 * `.yaml` or `.yml` (scripts/repo/kinds.ts), so the gate reads the one that is there. Both at once is a problem (which
 * one the other tools follow cannot be told): the gate fails closed. `has` says whether a path exists. Pure.
 */
export function singletonFile(stem: string, has: (path: string) => boolean, problems: GateProblem[], where: string): string {
  const { file, present } = singletonSpellings(stem, has);
  if (present.length > 1)
    problems.push({
      code: 'gate.ambiguous-file',
      file: present[1]!,
      message: ambiguousSingletonMessage(stem, present, where, 'nothing can be approved'),
    });
  return file;
}

/** Parses one base-branch document; an invalid one becomes gate problems (the gate then fails closed). */
export function parseBaseDocument(text: string, file: string, validator: SchemaValidator, problems: GateProblem[]): Record<string, unknown> | undefined {
  const parsed = parseDocumentText(text, file, validator);
  for (const d of parsed.diagnostics.filter((x) => x.severity === 'error')) problems.push(fromDiagnostic(d));
  return parsed.doc ? (parsed.doc.data as unknown as Record<string, unknown>) : undefined;
}

export function fromDiagnostic(d: Diagnostic): GateProblem {
  return { code: d.code, file: d.file, message: `${d.file}:${d.line}:${d.col} ${d.message}${d.hint ? ` (${d.hint})` : ''}` };
}

/**
 * Cross-references the schema cannot see: unknown teams and people. Each is a problem, so the gate fails closed.
 * `file` is the policy's file as the repository spells it (singletonFile).
 */
export function checkPolicyReferences(policy: ApprovalPolicy, people: readonly Person[], file: string): GateProblem[] {
  const known = new Set(people.map((p) => p.id));
  const problems: GateProblem[] = [];
  for (const [id, team] of Object.entries(policy.teams)) {
    for (const m of team.members) if (!known.has(m)) problems.push({ code: 'approval.unknown-person', file, message: `team ${id} lists ${m}, who is not in policies/access/people/` });
  }
  // One login, one person: GitHub logins are case-insensitive, and a review could otherwise be either's.
  const byLogin = new Map<string, string>();
  for (const p of people) {
    const login = p.github.trim().toLowerCase();
    if (!login) continue;
    const other = byLogin.get(login);
    if (other === undefined) byLogin.set(login, p.id);
    else
      problems.push({
        code: 'approval.duplicate-login',
        file: personFile(p),
        message: `${[other, p.id].sort().join(' and ')} both have the GitHub login ${login} (logins are case-insensitive); whose review it is cannot be told, so nobody's approval is trusted. Give the login to one of them`,
      });
  }
  const seen = new Set<string>();
  const visitSet = (set: ApproverSet, where: string) => {
    for (const t of set.teams ?? [])
      if (!policy.teams[t]) problems.push({ code: 'approval.unknown-team', file, message: `${where} names team ${t}; defined teams: ${Object.keys(policy.teams).join(', ')}` });
    for (const p of set.people ?? []) if (!known.has(p)) problems.push({ code: 'approval.unknown-person', file, message: `${where} names ${p}, who is not in policies/access/people/` });
  };
  const visit = (r: Requirement, where: string): void => {
    if (isLeaf(r)) visitSet(r.from, where);
    else ('all' in r ? r.all : r.any).forEach((c) => visit(c, where));
  };
  visit(policy.governance.require, 'governance');
  if (policy.emergency) visit(policy.emergency.require, 'emergency');
  if (policy.disapproval?.from) visitSet(policy.disapproval.from, 'disapproval');
  for (const rule of policy.rules) {
    if (seen.has(rule.id)) problems.push({ code: 'approval.duplicate-rule', file, message: `rule id ${rule.id} appears twice` });
    seen.add(rule.id);
    visit(rule.require, `rule ${rule.id}`);
  }
  return problems;
}

export function toPerson(d: Record<string, unknown>, file?: string): Person {
  const p: Person = { id: String(d.id), name: String(d.name ?? d.id), github: typeof d.github === 'string' ? d.github : '', status: (d.status as Person['status']) ?? 'active' };
  if (typeof d.github_id === 'number' && Number.isSafeInteger(d.github_id) && d.github_id > 0) p.github_id = d.github_id;
  if (typeof d.email === 'string') p.email = d.email;
  if (typeof d.team === 'string') p.team = d.team;
  if (typeof d.left_on === 'string') p.left_on = d.left_on;
  if (file !== undefined) p.file = file;
  return p;
}

export function toGroup(d: Record<string, unknown>): InventoryGroup & { env?: InventoryHost['env'] } {
  const g: InventoryGroup & { env?: InventoryHost['env'] } = { id: String(d.id), owners: Array.isArray(d.owners) ? d.owners.map(String) : [] };
  if (typeof d.title === 'string') g.title = d.title;
  if (typeof d.env === 'string') g.env = d.env as InventoryHost['env'];
  return g;
}

export function toHost(d: Record<string, unknown>): InventoryHost {
  return { id: String(d.id), env: (d.env as InventoryHost['env']) ?? 'prod', groups: Array.isArray(d.groups) ? d.groups.map(String) : [] };
}

export function toFreezes(calendar: Record<string, unknown> | undefined): Freeze[] {
  const list = Array.isArray(calendar?.freezes) ? (calendar!.freezes as Record<string, unknown>[]) : [];
  return list.map((f) => ({
    id: String(f.id),
    title: String(f.title ?? f.id),
    start: String(f.start),
    end: String(f.end),
    allow_types: Array.isArray(f.allow_types) ? (f.allow_types as Freeze['allow_types']) : [],
    ...(typeof f.reason === 'string' ? { reason: f.reason } : {}),
  }));
}
