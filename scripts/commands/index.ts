import type { ArgsSpec } from './args.ts';
import type { Command } from './context.ts';

/**
 * The command registry. Each command is imported lazily so `lint` never pays
 * for ssh2 and SSH never pays for the report templates. `args` is what the command
 * declares it takes (options per subcommand): its --help and the CLI tests read it.
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command>; args: () => Promise<ArgsSpec> }> = {
  lint: { summary: 'validate every document: schemas, references, governance rules', load: async () => (await import('./lint.ts')).lintCommand, args: async () => (await import('./lint.ts')).ARGS },
  new: { summary: 'scaffold the next change request or incident record from a template', load: async () => (await import('./new.ts')).newCommand, args: async () => (await import('./new.ts')).ARGS },
  gate: {
    summary: 'decide whether the reviews on a pull request satisfy policies/approval.yaml (or .yml); publish status and comment',
    load: async () => (await import('./gate.ts')).gateCommand,
    args: async () => (await import('./gate.ts')).ARGS,
  },
  plan: {
    summary: 'print what apply would run for a change: batches, per-host commands, rollback',
    load: async () => (await import('./plan.ts')).planCommand,
    args: async () => (await import('./plan.ts')).ARGS,
  },
  apply: {
    summary: 'apply an approved change over SSH inside its window, with records; --resume, --due',
    load: async () => (await import('./apply.ts')).applyCommand,
    args: async () => (await import('./apply.ts')).ARGS,
  },
  converge: {
    summary: 'converge access (authorized_keys, sudoers) or a baseline on the fleet; --check reports drift',
    load: async () => (await import('./converge.ts')).convergeCommand,
    args: async () => (await import('./converge.ts')).ARGS,
  },
  records: { summary: 'verify the hash chains of the evidence records', load: async () => (await import('./records.ts')).recordsCommand, args: async () => (await import('./records.ts')).ARGS },
  inspect: {
    summary: 'inspect the fleet over SSH against policies/baselines: one round trip per host; --record keeps evidence',
    load: async () => (await import('./inspect.ts')).inspectCommand,
    args: async () => (await import('./inspect.ts')).ARGS,
  },
  backup: {
    summary: 'verify backups over SSH: restic snapshots, check, retention and restore tests against RPO/RTO; --record keeps evidence',
    load: async () => (await import('./backup.ts')).backupCommand,
    args: async () => (await import('./backup.ts')).ARGS,
  },
  report: {
    summary: 'generate the audit or monthly operations report (HTML, Markdown, JSON), every figure traced to evidence',
    load: async () => (await import('./report.ts')).reportCommand,
    args: async () => (await import('./report.ts')).ARGS,
  },
  incident: {
    summary: 'open incidents from Alertmanager alerts; ack, escalate, notify, resolve one in place',
    load: async () => (await import('./incident.ts')).incidentCommand,
    args: async () => (await import('./incident.ts')).ARGS,
  },
  handover: {
    summary: 'write the shift handover (交接班) pre-filled from the repository; the incoming person acknowledges it',
    load: async () => (await import('./handover.ts')).handoverCommand,
    args: async () => (await import('./handover.ts')).ARGS,
  },
  incidents: {
    summary: 'watch open incidents: notify due and overdue duties via DingTalk, WeCom, Feishu, webhooks, GitHub',
    load: async () => (await import('./incidents.ts')).incidentsCommand,
    args: async () => (await import('./incidents.ts')).ARGS,
  },
  land: {
    summary: 'land what a CI run wrote (records/, reports/) on the protected default branch; the lease that stops a run while earlier records are missing',
    load: async () => (await import('./land.ts')).landCommand,
    args: async () => (await import('./land.ts')).ARGS,
  },
  secrets: {
    summary: 'the secret names the policy allows a workflow to pass (never values, never all secrets)',
    load: async () => (await import('./secrets.ts')).secretsCommand,
    args: async () => (await import('./secrets.ts')).ARGS,
  },
  doctor: {
    summary: "check the repository's GitHub settings opsgate relies on (ruleset, bypass, environments, where keys live, token defaults); each ok or a problem with its fix",
    load: async () => (await import('./doctor.ts')).doctorCommand,
    args: async () => (await import('./doctor.ts')).ARGS,
  },
  calendar: {
    summary: 'sync official holidays and 调休 into policies/calendar.yaml (or .yml); export windows, freezes, changes and the duty rota as iCalendar subscriptions',
    load: async () => (await import('./calendar.ts')).calendarCommand,
    args: async () => (await import('./calendar.ts')).ARGS,
  },
  init: {
    summary: "create a new organisation's repository: skeleton policies, schemas, workflows calling opsgate, editor settings, a README",
    load: async () => (await import('./init.ts')).initCommand,
    args: async () => (await import('./init.ts')).ARGS,
  },
  demo: {
    summary: 'run the main job on the sample organisation: lint, gate, plan, records, audit report',
    load: async () => (await import('./demo.ts')).demoCommand,
    args: async () => (await import('./demo.ts')).ARGS,
  },
};
