/**
 * What always sits in the highest approval tier, whatever a policy says: the
 * files that decide who may approve (policy, people), what the gate and apply
 * trust as evidence (records/, the gate's decisions among them), the code and
 * wiring that enforce it, which secrets a change may use, and every inventory
 * field that runs something on the runner or chooses where commands go.
 * One list, used by the gate and tested (test/gate/governance.test.ts). Pure.
 */

export const BUILT_IN_GOVERNANCE_PATHS: readonly string[] = [
  // Both spellings lint reads (scripts/repo/kinds.ts): a policy file spelled .yml is the policy just the same.
  'policies/approval.yaml',
  'policies/approval.yml',
  'policies/access/**',
  'policies/organisation.yaml',
  'policies/organisation.yml',
  'schemas/**',
  'scripts/**',
  'records/**',
  '.github/**',
  '.ci/**',
  'package.json',
  'package-lock.json',
  // What `npm ci` and `npx opsgate` read on the default branch, where apply runs with the change's secrets:
  // npm installs from a shrinkwrap before the lock file, and .npmrc sets node-options, the script shell, the registry.
  'npm-shrinkwrap.json',
  '.npmrc',
  'tsconfig.json',
  // GitHub runs either spelling of the action's metadata.
  'action.yml',
  'action.yaml',
];

/**
 * Host fields that execute on the runner (`proxy_command`) or route a
 * connection (address, port, login user, pinned keys, bastion): changing one
 * decides where every approved command runs, so it needs the highest tier.
 */
export const ROUTING_FIELDS = ['address', 'port', 'user', 'host_keys', 'proxy_command', 'jump_host'] as const;

/** Fields whose presence on a new host runs something on the runner or through another host. */
const NEW_HOST_ROUTING = ['proxy_command', 'jump_host'] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Why a host document falls under the highest tier: its routing changed, or it is new and routes through something. */
export function hostRoutingChanges(id: string, base: Record<string, unknown> | undefined, head: Record<string, unknown> | undefined): string[] {
  if (!head) return [];
  if (!base) return NEW_HOST_ROUTING.filter((f) => head[f] !== undefined).map((f) => `new host ${id} sets ${f}, which decides what runs where`);
  return ROUTING_FIELDS.filter((f) => !same(base[f], head[f])).map((f) => `host ${id}: ${f} changed, which decides where commands run`);
}
