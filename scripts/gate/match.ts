import picomatch from 'picomatch';
import { BUILT_IN_GOVERNANCE_PATHS } from './governance.ts';
import type { ApprovalPolicy, ApprovalRule, ChangedDocument, ChangedFile, RelatedSubject, Risk, RuleCondition } from './types.ts';
import { RISKS } from './types.ts';

export { BUILT_IN_GOVERNANCE_PATHS };

/** One changed file as the rules see it: its path(s) and, when it is a document, what it says. */
export interface Subject {
  file: ChangedFile;
  doc: ChangedDocument;
  /** Set when the facts are not the file's own head content (a base version, a change that deploys it). */
  via?: string;
}

export interface RuleMatch {
  rule: ApprovalRule;
  subjects: Subject[];
  reasons: string[];
}

export function buildSubjects(files: readonly ChangedFile[], documents: readonly ChangedDocument[], related: readonly RelatedSubject[] = []): Subject[] {
  const byPath = new Map(documents.map((d) => [d.path, d]));
  const byFile = new Map(files.map((f) => [f.path, f]));
  const own = files.map((file) => ({
    file,
    doc: byPath.get(file.path) ?? { path: file.path, kind: 'file', status: file.status, envs: [], groups: [], problems: [] },
  }));
  const extra = related.map((r) => ({ file: byFile.get(r.path) ?? { path: r.path, status: 'modified' as const }, doc: r.doc, via: r.why }));
  return [...own, ...extra];
}

/** The paths a subject governs: its own (and former) path, and for a change request every file it deploys. */
export function pathsOf(s: Subject): string[] {
  const own = s.file.previous_path ? [s.file.path, s.file.previous_path] : [s.file.path];
  return s.doc.deploys?.length ? [...new Set([...own, ...s.doc.deploys])] : own;
}

export function effectiveRisk(doc: ChangedDocument): Risk | undefined {
  const c = doc.change;
  if (!c) return undefined;
  return maxRisk(c.risk, c.derived_risk);
}

function maxRisk(a: Risk, b: Risk | undefined): Risk {
  return b !== undefined && RISKS.indexOf(b) > RISKS.indexOf(a) ? b : a;
}

function atLeast(value: Risk | undefined, floor: Risk): boolean {
  return value !== undefined && RISKS.indexOf(value) >= RISKS.indexOf(floor);
}

/** Returns why the subject matches, or undefined when one condition does not hold. Conditions are ANDed. */
export function matchCondition(cond: RuleCondition, s: Subject): string | undefined {
  const why: string[] = [];
  const doc = s.doc;
  if (cond.kinds) {
    if (!cond.kinds.includes(doc.kind)) return undefined;
    why.push(`kind ${doc.kind}`);
  }
  if (cond.change_types) {
    if (!doc.change || !cond.change_types.includes(doc.change.type)) return undefined;
    why.push(`type ${doc.change.type}`);
  }
  if (cond.risk_at_least) {
    const r = effectiveRisk(doc);
    if (!atLeast(r, cond.risk_at_least)) return undefined;
    const c = doc.change!;
    why.push(`risk ${r} ≥ ${cond.risk_at_least} (declared ${c.risk}${c.derived_risk ? `, derived ${c.derived_risk}` : ''})`);
  }
  if (cond.declared_risk_at_least) {
    if (!atLeast(doc.change?.risk, cond.declared_risk_at_least)) return undefined;
    why.push(`declared risk ${doc.change!.risk} ≥ ${cond.declared_risk_at_least}`);
  }
  if (cond.derived_risk_at_least) {
    if (!atLeast(doc.change?.derived_risk, cond.derived_risk_at_least)) return undefined;
    why.push(`derived risk ${doc.change!.derived_risk} ≥ ${cond.derived_risk_at_least}`);
  }
  if (cond.envs) {
    const hit = doc.envs.filter((e) => cond.envs!.includes(e));
    if (hit.length === 0) return undefined;
    why.push(`env ${hit.join(', ')}`);
  }
  if (cond.groups) {
    const hit = doc.groups.filter((g) => cond.groups!.includes(g));
    if (hit.length === 0) return undefined;
    why.push(`group ${hit.join(', ')}`);
  }
  if (cond.paths) {
    const isMatch = picomatch(cond.paths, { dot: true });
    const hit = pathsOf(s).find((p) => isMatch(p));
    if (hit === undefined) return undefined;
    why.push(`path matches ${cond.paths.join(' | ')}`);
  }
  return why.length ? why.join(', ') : 'rule has no conditions';
}

export function matchRules(policy: ApprovalPolicy, subjects: readonly Subject[]): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const rule of policy.rules) {
    const matched: Subject[] = [];
    const reasons: string[] = [];
    for (const s of subjects) {
      const why = matchCondition(rule.if, s);
      if (why !== undefined) {
        matched.push(s);
        reasons.push(`${s.file.path}: ${s.via ? `${s.via}: ` : ''}${why}`);
      }
    }
    if (matched.length) out.push({ rule, subjects: matched, reasons });
  }
  return out;
}

export function governancePaths(policy: ApprovalPolicy): string[] {
  return [...new Set([...BUILT_IN_GOVERNANCE_PATHS, ...(policy.governance?.paths ?? [])])];
}

export function matchGovernance(policy: ApprovalPolicy, subjects: readonly Subject[]): { subjects: Subject[]; reasons: string[] } {
  const globs = governancePaths(policy);
  const isMatch = picomatch(globs, { dot: true });
  const own = (s: Subject) => (s.file.previous_path ? [s.file.path, s.file.previous_path] : [s.file.path]);
  const matched = subjects.filter((s) => own(s).some((p) => isMatch(p)) || (s.doc.governance?.length ?? 0) > 0);
  return {
    subjects: matched,
    reasons: matched.map((s) => `${s.file.path}: ${own(s).some((p) => isMatch(p)) ? 'governance file (highest tier)' : s.doc.governance!.join('; ')}`),
  };
}
