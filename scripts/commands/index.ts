import type { Command } from './context.ts';

/**
 * The command registry. Each command is imported lazily so `lint` never pays
 * for ssh2 and SSH never pays for the report templates.
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  lint: { summary: 'validate every document: schemas, references, governance rules', load: async () => (await import('./lint.ts')).lintCommand },
  new: { summary: 'scaffold the next change request or incident record from a template', load: async () => (await import('./new.ts')).newCommand },
  gate: { summary: 'decide whether the reviews on a pull request satisfy policies/approval.yaml; publish status and comment', load: async () => (await import('./gate.ts')).gateCommand },
  plan: { summary: 'print what apply would run for a change: batches, per-host commands, rollback', load: async () => (await import('./plan.ts')).planCommand },
  apply: { summary: 'apply an approved change over SSH inside its window, with records; --resume, --due', load: async () => (await import('./apply.ts')).applyCommand },
  converge: { summary: 'converge access (authorized_keys, sudoers) or a baseline on the fleet; --check reports drift', load: async () => (await import('./converge.ts')).convergeCommand },
  records: { summary: 'verify the hash chains of the evidence records', load: async () => (await import('./records.ts')).recordsCommand },
  inspect: { summary: 'inspect the fleet over SSH against policies/baselines: one round trip per host; --record keeps evidence', load: async () => (await import('./inspect.ts')).inspectCommand },
  backup: {
    summary: 'verify backups over SSH: restic snapshots, check, retention and restore tests against RPO/RTO; --record keeps evidence',
    load: async () => (await import('./backup.ts')).backupCommand,
  },
  report: { summary: 'generate the audit or monthly operations report (HTML, Markdown, JSON), every figure traced to evidence', load: async () => (await import('./report.ts')).reportCommand },
  incident: { summary: 'open incidents from Alertmanager alerts; ack, escalate, notify, resolve one in place', load: async () => (await import('./incident.ts')).incidentCommand },
  handover: { summary: 'write the shift handover (交接班) pre-filled from the repository; the incoming person acknowledges it', load: async () => (await import('./handover.ts')).handoverCommand },
  incidents: { summary: 'watch open incidents: notify due and overdue duties via DingTalk, WeCom, Feishu, webhooks, GitHub', load: async () => (await import('./incidents.ts')).incidentsCommand },
  land: {
    summary: 'land what a CI run wrote (records/, reports/) on the protected default branch; the lease that stops a run while earlier records are missing',
    load: async () => (await import('./land.ts')).landCommand,
  },
  secrets: { summary: 'the secret names the policy allows a workflow to pass (never values, never all secrets)', load: async () => (await import('./secrets.ts')).secretsCommand },
  doctor: {
    summary: "check the repository's GitHub settings opsgate relies on (ruleset, bypass, environments, where keys live, token defaults); each ok or a problem with its fix",
    load: async () => (await import('./doctor.ts')).doctorCommand,
  },
  calendar: {
    summary: 'sync official holidays and 调休 into policies/calendar.yaml; export windows, freezes, changes and the duty rota as iCalendar subscriptions',
    load: async () => (await import('./calendar.ts')).calendarCommand,
  },
  init: {
    summary: "create a new organisation's repository: skeleton policies, schemas, workflows calling opsgate, editor settings, a README",
    load: async () => (await import('./init.ts')).initCommand,
  },
  demo: { summary: 'run the main job on the sample organisation: lint, gate, plan, records, audit report', load: async () => (await import('./demo.ts')).demoCommand },
};
