import type { InitOptions } from './init.ts';

/** The README `opsgate init` writes for the new team. Pure. */
export function renderTeamReadme(o: InitOptions, { placeholders }: { placeholders: boolean }): string {
  return `# ${o.name}: operations as code

This repository holds how ${o.name} runs its servers: policies, inventory, change
requests, incident reports and the evidence of what ran. [opsgate](https://www.npmjs.com/package/opsgate)
(a dependency in package.json) lints every document, holds each pull request until the
right people approved it, applies approved changes over SSH inside their window, inspects
the fleet and writes the audit reports. The GitHub workflows in .github/workflows/ call
opsgate's reusable workflows; this repository holds no workflow logic of its own.

## First steps

1. \`npm install\` (commit the package-lock.json it writes), then \`npx opsgate lint\`: it must
   say 0 errors. Open the folder in VS Code with the YAML extension: .vscode/settings.json
   maps every folder to its schema, so the editor completes and checks as you type.
2. Replace the example person in \`policies/access/people/\` with your team (one file each,
   \`github\` is the login whose reviews count) and the teams in \`policies/approval.yaml\`.
3. Add your hosts under \`inventory/hosts/\`, one file each, with the pinned host key
   (\`ssh-keyscan -t ed25519 HOST\`):

   \`\`\`yaml
   id: web-01
   address: 10.0.0.11
   port: 22
   user: opsgate
   host_keys:
     - ssh-ed25519 AAAA…
   groups: [web]
   env: prod
   criticality: high
   owner_team: ops
   \`\`\`
4. Set your maintenance windows and freezes in \`policies/calendar.yaml\` (time zone ${o.timezone}).
5. \`npx opsgate new change --title "what you will do"\` scaffolds a change request;
   \`npx opsgate plan CHG-YYYY-NNNN\` shows exactly what apply would run. Open a pull request.
${
  placeholders
    ? `
## Before the workflows can run

The workflow files still name \`OPSGATE_REPOSITORY\` and \`OPSGATE_COMMIT\`: replace them with
the GitHub repository holding opsgate (\`owner/name\`) and a full commit SHA of it matching the
opsgate version in package.json (or run \`opsgate init\` again in an empty directory with
\`--opsgate-repository\` and \`--opsgate-commit\`).
`
    : ''
}
## Layout

| path | holds |
|---|---|
| \`policies/\` | approval rules, calendar, SLA, people, roles and grants, baselines, backup policies, exceptions |
| \`inventory/\` | hosts (address, pinned host key, groups) and groups (owners) |
| \`changes/YYYY/\`, \`incidents/YYYY/\` | change requests and fault reports, one file each |
| \`runbooks/\` | Markdown procedures with YAML front matter |
| \`schemas/\` | the JSON Schemas of every document kind (from opsgate; update them with the package) |
| \`records/\`, \`reports/\` | evidence and reports written by CI only |

\`npx opsgate --help\` lists every command; \`npx opsgate COMMAND --help\` explains one.
Exit codes: 0 clean, 1 findings, 2 unusable input or usage, 3 internal error.
`;
}
