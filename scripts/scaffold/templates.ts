/** Document scaffolds for `opsgate new`. Pure: ids and text from plain values. */

export function nextId(prefix: 'CHG' | 'INC', year: number, existing: readonly string[]): string {
  const re = new RegExp(`^${prefix}-${year}-(\\d{4})$`);
  const max = existing.reduce((m, id) => Math.max(m, Number(re.exec(id)?.[1] ?? 0)), 0);
  if (max >= 9999) throw new Error(`no ${prefix} id left for ${year}`);
  return `${prefix}-${year}-${String(max + 1).padStart(4, '0')}`;
}

const q = (s: string) => JSON.stringify(s);

export function renderChangeTemplate(v: { id: string; title: string; type: string; requester: string; start: string; end: string }): string {
  return `# yaml-language-server: $schema=../../schemas/change.schema.json
# A change request (变更申请单). Fill in every TODO, then open a pull request;
# \`npx opsgate lint\` and \`npx opsgate plan ${v.id}\` show what reviewers will see.
id: ${v.id}
title: ${q(v.title)}
type: ${v.type}          # standard | normal | emergency
risk: medium          # low | medium | high | critical; lint says if it is below the derived risk
requester: ${v.requester}
implementer: ${v.requester}   # TODO: who carries it out (cannot approve it)
purpose: "TODO: why this change is needed"
impact:
  description: "TODO: what is affected and how"
  services: []
  expected_downtime_minutes: 0
  users_affected: "TODO"
targets:
  hosts: []           # TODO: host ids (inventory/hosts/) and/or
  groups: []          # group ids (inventory/groups/); lint fails while both are empty
window:
  start: ${v.start}
  end: ${v.end}
prechecks: []
steps:
  - id: step-1
    kind: run
    argv: [TODO]        # the command as a list, e.g. [systemctl, reload, nginx]; never a shell string
verification: []
rollback: []
rollout:
  canary: 1
  batch_size: 5
  max_failures: 0
test_evidence:
  summary: "TODO: what was tested where"
${v.type === 'emergency' ? `emergency:\n  justification: "TODO: why it cannot wait"\n  retro_review_due: ${v.end}\n` : ''}`;
}

export function renderIncidentTemplate(v: { id: string; title: string; level: number; reporter: string; at: string }): string {
  return `# yaml-language-server: $schema=../../schemas/incident.schema.json
# A fault report (故障报告单). Keep the timestamps as they happen; the SLA report reads them.
id: ${v.id}
title: ${q(v.title)}
level: ${v.level}              # 1 一级 (most severe) … 4 四级
status: open
reporter: ${v.reporter}
handler: ${v.reporter}   # TODO
detected_at: ${v.at}
reported_at: ${v.at}
affected:
  hosts: []
  services: []
summary: "TODO: what happened"
timeline:
  - at: ${v.at}
    note: reported
follow_ups: []
postmortem:
  status: pending
`;
}
