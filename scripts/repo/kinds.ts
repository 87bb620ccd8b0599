import type * as Docs from '../model/documents.generated.ts';

/** Every document kind, the folder that decides it, and its schema. */
export const DOCUMENT_KINDS = [
  { kind: 'host', schema: 'host', pattern: /^inventory\/hosts\/([^/]+)\.ya?ml$/ },
  { kind: 'group', schema: 'group', pattern: /^inventory\/groups\/([^/]+)\.ya?ml$/ },
  { kind: 'organisation', schema: 'organisation', pattern: /^policies\/(organisation)\.ya?ml$/ },
  { kind: 'approval', schema: 'approval', pattern: /^policies\/(approval)\.ya?ml$/ },
  { kind: 'calendar', schema: 'calendar', pattern: /^policies\/(calendar)\.ya?ml$/ },
  { kind: 'sla', schema: 'sla', pattern: /^policies\/(sla)\.ya?ml$/ },
  { kind: 'oncall', schema: 'oncall', pattern: /^policies\/(oncall)\.ya?ml$/ },
  { kind: 'baseline', schema: 'baseline', pattern: /^policies\/baselines\/([^/]+)\.ya?ml$/ },
  { kind: 'backup-policy', schema: 'backup-policy', pattern: /^policies\/backup\/([^/]+)\.ya?ml$/ },
  { kind: 'advisory', schema: 'advisory', pattern: /^policies\/advisories\/([^/]+)\.ya?ml$/ },
  { kind: 'person', schema: 'person', pattern: /^policies\/access\/people\/([^/]+)\.ya?ml$/ },
  { kind: 'role', schema: 'role', pattern: /^policies\/access\/roles\/([^/]+)\.ya?ml$/ },
  { kind: 'grant', schema: 'grant', pattern: /^policies\/access\/grants\/([^/]+)\.ya?ml$/ },
  { kind: 'access-review', schema: 'access-review', pattern: /^policies\/access\/reviews\/([^/]+)\.ya?ml$/ },
  { kind: 'exception', schema: 'exception', pattern: /^policies\/exceptions\/([^/]+)\.ya?ml$/ },
  { kind: 'contact', schema: 'contact', pattern: /^policies\/contacts\/([^/]+)\.ya?ml$/ },
  { kind: 'change', schema: 'change', pattern: /^changes\/(\d{4})\/([^/]+)\.ya?ml$/ },
  { kind: 'incident', schema: 'incident', pattern: /^incidents\/(\d{4})\/([^/]+)\.ya?ml$/ },
  { kind: 'handover', schema: 'handover', pattern: /^incidents\/handovers\/(\d{4})\/([^/]+)\.ya?ml$/ },
  { kind: 'runbook', schema: 'runbook', pattern: /^runbooks\/([^/]+)\.md$/ },
  { kind: 'monthly-notes', schema: 'monthly-notes', pattern: /^reports\/notes\/([^/]+)\.ya?ml$/ },
] as const;

export type DocumentKind = (typeof DOCUMENT_KINDS)[number]['kind'];

/** The folders opsgate reads documents from (handovers live under incidents/handovers/: the top level is fixed). */
export const DOCUMENT_ROOTS = ['inventory', 'policies', 'changes', 'incidents', 'runbooks', 'reports/notes'] as const;

export interface KindMatch {
  kind: DocumentKind;
  schema: string;
  /** The id the file name implies. */
  expectedId: string;
  /** For dated folders (changes/2026/), the year of the folder. */
  year?: string;
}

/**
 * Each kind's pattern with the literal folder it starts with (`inventory/hosts/`,
 * `policies/`): a path is tried only against the patterns whose folder it is in.
 * Lint matches every file's path several times; 22 regular expressions per call
 * cost ~10 ms per pass at ten thousand documents.
 */
const KIND_PREFIXES = DOCUMENT_KINDS.map((k) => {
  const literal = k.pattern.source.slice(1, k.pattern.source.indexOf('(')).replace(/\\\//g, '/');
  // Only a plain folder name is a prefix every match starts with; anything else is always tried.
  return { k, prefix: /^[\w/-]*$/.test(literal) ? literal : '' };
});

/** Decides a file's kind from its repository-relative path; undefined for files that are not documents. Pure. */
export function matchKind(relPath: string): KindMatch | undefined {
  for (const { k, prefix } of KIND_PREFIXES) {
    if (!relPath.startsWith(prefix)) continue;
    const m = k.pattern.exec(relPath);
    if (!m) continue;
    if (m.length === 3) return { kind: k.kind, schema: k.schema, expectedId: m[2]!, year: m[1]! };
    return { kind: k.kind, schema: k.schema, expectedId: m[1]! };
  }
  return undefined;
}

/** Typed document data by kind. Approval and baseline types come from their own schemas' owners. */
export interface KindData {
  host: Docs.HostDocument;
  group: Docs.GroupDocument;
  organisation: Docs.OrganisationDocument;
  approval: Docs.ApprovalDocument;
  calendar: Docs.CalendarDocument;
  sla: Docs.SlaDocument;
  oncall: Docs.OncallDocument;
  baseline: Docs.BaselineDocument;
  'backup-policy': Docs.BackupPolicyDocument;
  advisory: Docs.AdvisoryDocument;
  person: Docs.PersonDocument;
  role: Docs.RoleDocument;
  grant: Docs.GrantDocument;
  'access-review': Docs.AccessReviewDocument;
  exception: Docs.ExceptionDocument;
  contact: Docs.ContactDocument;
  change: Docs.ChangeDocument;
  incident: Docs.IncidentDocument;
  handover: Docs.HandoverDocument;
  runbook: Docs.RunbookDocument;
  'monthly-notes': Docs.MonthlyNotesDocument;
}
