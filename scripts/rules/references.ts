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

/** A reference; in a list, the pointer is `${pointer}/${index}`, built only when the reference is reported. */
type Ref = [pointer: string, kind: DocumentKind, id: string | undefined, index?: number];

/** Every reference one document makes, as (pointer, kind, id). Pure. */
function referencesOf(doc: AnyDoc): Ref[] {
  const refs: Ref[] = [];
  const list = (base: string, kind: DocumentKind, ids: readonly string[] | undefined) => ids?.forEach((id, i) => refs.push([base, kind, id, i]));
  const targets = (base: string, t: { hosts?: string[]; groups?: string[] } | undefined) => {
    list(`${base}/hosts`, 'host', t?.hosts);
    list(`${base}/groups`, 'group', t?.groups);
  };
  switch (doc.kind) {
    case 'host': {
      const d = doc.data;
      list('/groups', 'group', d.groups);
      refs.push(['/jump_host', 'host', d.jump_host]);
      d.backup_repositories?.forEach((r, i) => refs.push([`/backup_repositories/${i}/policy`, 'backup-policy', r.policy]));
      break;
    }
    case 'group':
      list('/owners', 'person', doc.data.owners);
      break;
    case 'grant': {
      const d = doc.data;
      refs.push(['/person', 'person', d.person], ['/role', 'role', d.role], ['/approved_by', 'person', d.approved_by]);
      targets('', d);
      break;
    }
    case 'access-review': {
      const d = doc.data;
      refs.push(['/reviewer', 'person', d.reviewer]);
      list('/grants_reviewed', 'grant', d.grants_reviewed);
      list('/scope/groups', 'group', d.scope?.groups);
      d.findings?.forEach((f, i) => refs.push([`/findings/${i}/grant`, 'grant', f.grant]));
      break;
    }
    case 'exception':
      refs.push(['/owner', 'person', doc.data.owner], ['/approver', 'person', doc.data.approver]);
      targets('/scope', doc.data.scope);
      break;
    case 'backup-policy':
      targets('/targets', doc.data.targets);
      refs.push(['/offhost/host', 'host', doc.data.offhost.host]);
      break;
    case 'change': {
      const d = doc.data;
      refs.push(['/requester', 'person', d.requester], ['/implementer', 'person', d.implementer]);
      targets('/targets', d.targets);
      list('/related/runbooks', 'runbook', d.related?.runbooks);
      list('/related/incidents', 'incident', d.related?.incidents);
      list('/related/changes', 'change', d.related?.changes);
      refs.push(['/closure/reviewed_by', 'person', d.closure?.reviewed_by]);
      list('/closure/incidents_caused', 'incident', d.closure?.incidents_caused);
      d.steps.forEach((s, i) => s.kind === 'converge' && s.baseline && refs.push([`/steps/${i}/baseline`, 'baseline', s.baseline]));
      break;
    }
    case 'incident': {
      const d = doc.data;
      refs.push(['/reporter', 'person', d.reporter], ['/handler', 'person', d.handler], ['/caused_by_change', 'change', d.caused_by_change]);
      list('/affected/hosts', 'host', d.affected?.hosts);
      list('/related_changes', 'change', d.related_changes);
      list('/runbooks', 'runbook', d.runbooks);
      d.timeline?.forEach((t, i) => refs.push([`/timeline/${i}/by`, 'person', t.by]));
      d.follow_ups?.forEach((f, i) => refs.push([`/follow_ups/${i}/owner`, 'person', f.owner]));
      break;
    }
    case 'runbook':
      refs.push(['/owner', 'person', doc.data.owner]);
      list('/applies_to/groups', 'group', doc.data.applies_to?.groups);
      break;
    case 'oncall': {
      const d = doc.data;
      d.rotations.forEach((r, i) => list(`/rotations/${i}/members`, 'person', r.members));
      d.overrides?.forEach((o, i) => refs.push([`/overrides/${i}/person`, 'person', o.person]));
      break;
    }
    case 'monthly-notes': {
      const d = doc.data;
      refs.push(['/author', 'person', d.author]);
      const idRefs = (base: string, ids: readonly string[] | undefined) => ids?.forEach((id, i) => refs.push([base, id.startsWith('INC-') ? 'incident' : 'change', id, i]));
      d.work_done.forEach((w, i) => idRefs(`/work_done/${i}/refs`, w.refs));
      d.problems.forEach((p, i) => idRefs(`/problems/${i}/refs`, p.refs));
      d.improvement_plan.forEach((p, i) => {
        refs.push([`/improvement_plan/${i}/owner`, 'person', p.owner]);
        idRefs(`/improvement_plan/${i}/refs`, p.refs);
      });
      break;
    }
    case 'calendar':
      doc.data.maintenance_windows.forEach((w, i) => {
        list(`/maintenance_windows/${i}/applies_to/groups`, 'group', w.applies_to?.groups);
        list(`/maintenance_windows/${i}/applies_to/hosts`, 'host', w.applies_to?.hosts);
      });
      break;
    default:
      break;
  }
  return refs;
}

/** Every reference resolves; ids are unique per kind. Pure. */
export function checkReferences({ repo }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Many documents may name the same missing id: each kind's ids are listed, and each id's near misses found, once.
  const near = suggester((kind: DocumentKind) => repo.all(kind).map((d) => d.id));
  // By kind, then id (String(id): as the `${kind}:${id}` keys it replaced compared).
  const seen = new Map<DocumentKind, Map<string, AnyDoc>>();
  for (const doc of repo.documents) {
    let ofKind = seen.get(doc.kind);
    if (!ofKind) seen.set(doc.kind, (ofKind = new Map()));
    const first = ofKind.get(String(doc.id));
    if (first) out.push(at(doc, '/id', 'reference.duplicate-id', `${doc.kind} id '${doc.id}' is already used by ${first.file}`, 'ids must be unique: pick the next free number'));
    else ofKind.set(String(doc.id), doc);
    for (const [pointer, kind, id, index] of referencesOf(doc)) {
      if (id === undefined || repo.get(kind, id) || repo.hasInvalid(kind, id)) continue;
      out.push(unknownReference(doc, index === undefined ? pointer : `${pointer}/${index}`, kind, id, near));
    }
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
          `unknown team '${h.data.owner_team}' (teams are defined in policies/approval.yaml)`,
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
