import type { Diagnostic } from '../model/diagnostic.ts';
import type { DocumentKind } from '../repo/kinds.ts';
import type { AnyDoc } from '../repo/parse-document.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { at, type RuleInput } from './rule-context.ts';
import { suggest, suggester } from './suggest.ts';

const WHERE: Partial<Record<DocumentKind, string>> = {
  host: 'inventory/hosts/',
  group: 'inventory/groups/',
  person: 'policies/access/people/',
  role: 'policies/access/roles/',
  grant: 'policies/access/grants/',
  change: 'changes/YYYY/',
  incident: 'incidents/YYYY/',
  runbook: 'runbooks/',
  'backup-policy': 'policies/backup/',
  baseline: 'policies/baselines/',
};

/**
 * Receives one reference: its pointer is `base`, or for an item of a list `${base}/${index}`,
 * or for a field of a list item `${base}/${index}/${field}`, built only when it is reported.
 */
type Visit = (base: string, kind: DocumentKind, id: string | undefined, index?: number, field?: string) => void;

const list = (visit: Visit, base: string, kind: DocumentKind, ids: readonly string[] | undefined) => {
  if (ids) for (let i = 0; i < ids.length; i++) visit(base, kind, ids[i], i);
};
const targets = (visit: Visit, base: string, t: { hosts?: string[]; groups?: string[] } | undefined) => {
  list(visit, `${base}/hosts`, 'host', t?.hosts);
  list(visit, `${base}/groups`, 'group', t?.groups);
};
/** The `field` of each item of a list, as references of one kind. */
const fields = <T>(visit: Visit, base: string, kind: DocumentKind, items: readonly T[] | undefined, field: string, idOf: (item: T) => string | undefined) => {
  if (items) for (let i = 0; i < items.length; i++) visit(base, kind, idOf(items[i]!), i, field);
};

/** Visits every reference one document makes, as (pointer, kind, id), in document order. Pure. */
function visitReferences(doc: AnyDoc, visit: Visit): void {
  switch (doc.kind) {
    case 'host': {
      const d = doc.data;
      list(visit, '/groups', 'group', d.groups);
      visit('/jump_host', 'host', d.jump_host);
      fields(visit, '/backup_repositories', 'backup-policy', d.backup_repositories, 'policy', (r) => r.policy);
      break;
    }
    case 'group':
      list(visit, '/owners', 'person', doc.data.owners);
      break;
    case 'grant': {
      const d = doc.data;
      visit('/person', 'person', d.person);
      visit('/role', 'role', d.role);
      visit('/approved_by', 'person', d.approved_by);
      targets(visit, '', d);
      break;
    }
    case 'access-review': {
      const d = doc.data;
      visit('/reviewer', 'person', d.reviewer);
      list(visit, '/grants_reviewed', 'grant', d.grants_reviewed);
      list(visit, '/scope/groups', 'group', d.scope?.groups);
      fields(visit, '/findings', 'grant', d.findings, 'grant', (f) => f.grant);
      break;
    }
    case 'exception':
      visit('/owner', 'person', doc.data.owner);
      visit('/approver', 'person', doc.data.approver);
      targets(visit, '/scope', doc.data.scope);
      break;
    case 'backup-policy':
      targets(visit, '/targets', doc.data.targets);
      visit('/offhost/host', 'host', doc.data.offhost.host);
      break;
    case 'change': {
      const d = doc.data;
      visit('/requester', 'person', d.requester);
      visit('/implementer', 'person', d.implementer);
      targets(visit, '/targets', d.targets);
      list(visit, '/related/runbooks', 'runbook', d.related?.runbooks);
      list(visit, '/related/incidents', 'incident', d.related?.incidents);
      list(visit, '/related/changes', 'change', d.related?.changes);
      visit('/closure/reviewed_by', 'person', d.closure?.reviewed_by);
      list(visit, '/closure/incidents_caused', 'incident', d.closure?.incidents_caused);
      d.steps.forEach((s, i) => s.kind === 'converge' && s.baseline && visit('/steps', 'baseline', s.baseline, i, 'baseline'));
      break;
    }
    case 'incident': {
      const d = doc.data;
      visit('/reporter', 'person', d.reporter);
      visit('/handler', 'person', d.handler);
      visit('/caused_by_change', 'change', d.caused_by_change);
      list(visit, '/affected/hosts', 'host', d.affected?.hosts);
      list(visit, '/related_changes', 'change', d.related_changes);
      list(visit, '/runbooks', 'runbook', d.runbooks);
      fields(visit, '/timeline', 'person', d.timeline, 'by', (t) => t.by);
      fields(visit, '/follow_ups', 'person', d.follow_ups, 'owner', (f) => f.owner);
      break;
    }
    case 'runbook':
      visit('/owner', 'person', doc.data.owner);
      list(visit, '/applies_to/groups', 'group', doc.data.applies_to?.groups);
      break;
    case 'oncall': {
      const d = doc.data;
      d.rotations.forEach((r, i) => list(visit, `/rotations/${i}/members`, 'person', r.members));
      fields(visit, '/overrides', 'person', d.overrides, 'person', (o) => o.person);
      break;
    }
    case 'monthly-notes': {
      const d = doc.data;
      visit('/author', 'person', d.author);
      const idRefs = (base: string, ids: readonly string[] | undefined) => ids?.forEach((id, i) => visit(base, id.startsWith('INC-') ? 'incident' : 'change', id, i));
      d.work_done.forEach((w, i) => idRefs(`/work_done/${i}/refs`, w.refs));
      d.problems.forEach((p, i) => idRefs(`/problems/${i}/refs`, p.refs));
      d.improvement_plan.forEach((p, i) => {
        visit(`/improvement_plan/${i}/owner`, 'person', p.owner);
        idRefs(`/improvement_plan/${i}/refs`, p.refs);
      });
      break;
    }
    case 'calendar':
      doc.data.maintenance_windows.forEach((w, i) => {
        list(visit, `/maintenance_windows/${i}/applies_to/groups`, 'group', w.applies_to?.groups);
        list(visit, `/maintenance_windows/${i}/applies_to/hosts`, 'host', w.applies_to?.hosts);
      });
      break;
    default:
      break;
  }
}

/** Every reference resolves; ids are unique per kind. Pure. */
export function checkReferences({ repo }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Many documents may name the same missing id: each kind's ids are listed, and each id's near misses found, once.
  const near = suggester((kind: DocumentKind) => repo.all(kind).map((d) => d.id));
  // One visitor for every document (the one being read is `current`), not a list of references per document.
  let current: AnyDoc;
  const check: Visit = (base, kind, id, index, field) => {
    if (id === undefined || repo.get(kind, id) || repo.hasInvalid(kind, id)) return;
    const pointer = index === undefined ? base : field === undefined ? `${base}/${index}` : `${base}/${index}/${field}`;
    out.push(unknownReference(current, pointer, kind, id, near));
  };
  for (const doc of repo.documents) {
    // The repository indexes each kind's ids to the first document that has it (String(id), as here before): a later one is a duplicate.
    const first = repo.get(doc.kind, doc.id);
    if (first !== doc) out.push(at(doc, '/id', 'reference.duplicate-id', `${doc.kind} id '${doc.id}' is already used by ${first!.file}`, 'ids must be unique: pick the next free number'));
    current = doc;
    visitReferences(doc, check);
  }
  out.push(...checkOncallRotationRefs(repo), ...checkTeamRefs(repo, near));
  return out;
}

/** Approval teams name real people (who have not left); hosts' owner_team names a team. */
function checkTeamRefs(repo: RepoModel, nearIds: NearIds): Diagnostic[] {
  const approval = repo.one('approval');
  if (!approval) return [];
  const teams = approval.data.teams;
  const out: Diagnostic[] = [];
  for (const [team, t] of Object.entries(teams)) {
    (t?.members ?? []).forEach((m, i) => {
      const p = repo.get('person', m);
      if (!p && !repo.hasInvalid('person', m)) out.push(unknownReference(approval, `/teams/${team}/members/${i}`, 'person', m, nearIds));
      else if (p && p.data.status === 'left')
        out.push(
          at(
            approval,
            `/teams/${team}/members/${i}`,
            'approval.member-left',
            `${m} left on ${p.data.left_on ?? '?'} but is still a member of team ${team}`,
            'remove the person from the team (their approvals no longer count)',
            'warning',
          ),
        );
    });
  }
  const teamNames = Object.keys(teams);
  const nearTeams = new Map<string, string[]>();
  for (const h of repo.all('host')) {
    if (!(h.data.owner_team in teams)) {
      let near = nearTeams.get(h.data.owner_team);
      if (!near) nearTeams.set(h.data.owner_team, (near = suggest(h.data.owner_team, teamNames)));
      out.push(
        at(
          h,
          '/owner_team',
          'reference.unknown',
          `unknown team '${h.data.owner_team}' (teams are defined in ${approval.file})`,
          near.length ? `did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : `one of: ${Object.keys(teams).join(', ')}`,
        ),
      );
    }
  }
  return out;
}

type NearIds = (wrong: string, kind: DocumentKind) => string[];

function unknownReference(doc: AnyDoc, pointer: string, kind: DocumentKind, id: string, nearIds: NearIds): Diagnostic {
  const near = nearIds(id, kind);
  const where = WHERE[kind] ? ` (no ${WHERE[kind]}${id}${kind === 'runbook' ? '.md' : '.yaml'})` : '';
  return at(doc, pointer, 'reference.unknown', `unknown ${kind} '${id}'${where}`, near.length ? `did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : `add the ${kind} first, or fix the id`);
}

function checkOncallRotationRefs(repo: RepoModel): Diagnostic[] {
  const oncall = repo.one('oncall');
  if (!oncall) return [];
  const rotations = new Set(oncall.data.rotations.map((r) => r.id));
  return (oncall.data.overrides ?? []).flatMap((o, i) =>
    rotations.has(o.rotation) ? [] : [at(oncall, `/overrides/${i}/rotation`, 'reference.unknown', `unknown rotation '${o.rotation}'`, `rotations here: ${[...rotations].join(', ')}`)],
  );
}
