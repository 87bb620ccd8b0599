import { createHash } from 'node:crypto';

/** Small valid documents for rule tests; each test overrides what it examines. */
/** A well-formed ed25519 public key of its own for each host (one machine is one host: keys and addresses differ). */
const keyOf = (id: string) => Buffer.concat([Buffer.from('0000000b7373682d65643235353139', 'hex'), Buffer.from('00000020', 'hex'), createHash('sha256').update(id).digest()]).toString('base64');
const addressOf = (id: string) => `10.0.${createHash('sha256').update(id).digest()[0]}.${createHash('sha256').update(id).digest()[1]}`;
export const host = (id: string, extra: Record<string, string> = {}) => `id: ${id}
address: ${addressOf(id)}
user: opsgate
host_keys: ["ssh-ed25519 ${keyOf(id)}"]
groups: [${extra.groups ?? 'web'}]
env: ${extra.env ?? 'prod'}
criticality: ${extra.criticality ?? 'medium'}
owner_team: ops
`;
export const group = (id: string) => `id: ${id}\ntitle: ${id}\nowners: [alice]\n`;
export const person = (id: string, status = 'active', leftOn = '') => `id: ${id}\nname: ${id}\ngithub: ${id}-gh\nstatus: ${status}\n${leftOn ? `left_on: ${leftOn}\n` : ''}`;
export const calendar = `id: calendar
timezone: Asia/Shanghai
maintenance_windows:
  - id: prod-night
    title: prod nights
    days: [tue, thu]
    start: "22:00"
    end: "02:00"
    workdays_only: true
    applies_to: { envs: [prod] }
freezes:
  - id: spring-2027
    title: Spring Festival
    start: 2027-02-03T00:00:00+08:00
    end: 2027-02-17T23:59:59+08:00
    allow_types: [emergency]
holidays:
  - { date: 2026-12-01, name: a holiday on a Tuesday }
`;
export function change(over: Record<string, string> = {}): string {
  return `id: ${over.id ?? 'CHG-2026-0001'}
title: restart nginx
type: ${over.type ?? 'normal'}
risk: ${over.risk ?? 'medium'}
requester: alice
implementer: bob
purpose: restart nginx to load the new certificate
impact: { description: brief blip, expected_downtime_minutes: 0 }
targets: ${over.targets ?? '{ hosts: [web-01] }'}
window: { start: ${over.start ?? '2026-12-03T22:30:00+08:00'}, end: ${over.end ?? '2026-12-03T23:30:00+08:00'} }
steps:
  - { id: restart, kind: run, argv: [systemctl, restart, nginx] }
verification:
  - { id: active, argv: [systemctl, is-active, nginx] }
rollback:
  - { id: back, kind: run, argv: [systemctl, restart, nginx] }
test_evidence: { summary: tested on staging }
${over.extra ?? ''}`;
}
