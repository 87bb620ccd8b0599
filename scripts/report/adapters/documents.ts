/**
 * Adapter from the loaded repository (scripts/repo/) to the report's input.
 * Baseline checks are read here, so the report depends on one place for
 * their layout. Pure.
 */
import type { RepoModel } from '../../repo/repo-model.ts';
import type { Doc } from '../../repo/parse-document.ts';
import type { DocumentKind } from '../../repo/kinds.ts';
import type { BaselineCheck, DocRef, ReportInput, Severity } from '../types.ts';

type Scope = NonNullable<BaselineCheck['scopes']>[number];

function ref<K extends DocumentKind>(d: Doc<K>): DocRef<Doc<K>['data']> {
  return { id: d.id, file: d.file, sha256: d.sha256, data: d.data };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(String) : []);

export function adaptBaselineChecks(model: RepoModel): BaselineCheck[] {
  const out: BaselineCheck[] = [];
  for (const b of model.all('baseline')) {
    const checks = Array.isArray(b.data.checks) ? (b.data.checks as Record<string, unknown>[]) : [];
    for (const c of checks) {
      if (typeof c?.id !== 'string') continue;
      const m = (c.mappings ?? {}) as Record<string, unknown>;
      out.push({
        id: c.id,
        title: typeof c.title === 'string' ? c.title : c.id,
        type: typeof c.type === 'string' ? c.type : '',
        severity: (['critical', 'high', 'medium', 'low', 'info'].includes(String(c.severity)) ? c.severity : 'info') as Severity,
        baseline: b.id,
        file: b.file,
        sha256: b.sha256,
        mappings: { djbh: strings(m.djbh), iso27001: strings(m.iso27001), cis: strings(m.cis) },
        scopes: [b.data.applies_to, c.applies_to].filter((x): x is Scope => typeof x === 'object' && x !== null),
      });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

type DocumentPart = Pick<
  ReportInput,
  | 'organisation'
  | 'approval'
  | 'calendar'
  | 'sla'
  | 'oncall'
  | 'hosts'
  | 'groups'
  | 'changes'
  | 'incidents'
  | 'exceptions'
  | 'backupPolicies'
  | 'people'
  | 'grants'
  | 'reviews'
  | 'runbooks'
  | 'notes'
  | 'checks'
  | 'documentProblems'
  | 'advisories'
>;

export function adaptDocuments(model: RepoModel): DocumentPart {
  const one = <K extends 'organisation' | 'approval' | 'calendar' | 'sla' | 'oncall'>(k: K) => {
    const d = model.one(k);
    return d ? ref(d) : undefined;
  };
  return {
    organisation: one('organisation'),
    approval: one('approval'),
    calendar: one('calendar'),
    sla: one('sla'),
    oncall: one('oncall'),
    hosts: model.all('host').map(ref),
    groups: model.all('group').map(ref),
    changes: model.all('change').map(ref),
    incidents: model.all('incident').map(ref),
    exceptions: model.all('exception').map(ref),
    backupPolicies: model.all('backup-policy').map(ref),
    people: model.all('person').map(ref),
    grants: model.all('grant').map(ref),
    reviews: model.all('access-review').map(ref),
    runbooks: model.all('runbook').map(ref),
    notes: model.all('monthly-notes').map(ref),
    checks: adaptBaselineChecks(model),
    advisories: model.all('advisory').map(ref),
    documentProblems: model.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => ({ file: d.file, line: d.line, code: d.code, message: d.message }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)),
  };
}
