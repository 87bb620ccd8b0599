/**
 * The set-up an inspect fleet test file shares: key pairs in a temp directory, a fleet, a test repository with one
 * baseline under policies/baselines, and `opsgate inspect --baselines <id>` run once against it. Registers the file's
 * beforeAll and afterAll; afterAll stops and removes whatever beforeAll got to, even when it failed partway.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll } from 'vitest';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet, type StartFleetOptions } from '../fleet/fleet.ts';
import type { MachineGate } from '../helpers/needs.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { inspectRows } from './inspect-cli.ts';

export type KeyPair = { privatePath: string; publicKey: string };

export interface InspectFleetOptions<K extends string> {
  machine: MachineGate;
  /** Prefix of the temp key directory (og-<name>-). */
  tmpPrefix: string;
  /** Written as policies/baselines/<id>.yaml and passed as --baselines <id>. */
  baseline: { id: string };
  /** Key pairs made besides alice's and bob's (the repository's people), by name. */
  keys?: readonly K[];
  /** The fleet to start, given every key pair. */
  fleet: (keys: Record<'alice' | 'bob' | NoInfer<K>, KeyPair>) => Promise<StartFleetOptions> | StartFleetOptions;
  /** Run once the fleet is up, before the repository is written (planting files on the hosts, measuring them). */
  afterStart?: (fleet: RunningFleet, keys: Record<'alice' | 'bob' | NoInfer<K>, KeyPair>) => Promise<void>;
}

export interface InspectFleetSuite<K extends string> {
  readonly fleet: RunningFleet;
  readonly root: string;
  readonly rows: InspectionRow[];
  /** inspect's exit code. */
  readonly code: number;
  readonly keys: Record<'alice' | 'bob' | K, KeyPair>;
}

export function useInspectFleet<K extends string = never>(o: InspectFleetOptions<K>): InspectFleetSuite<K> {
  let keyDir: string | undefined;
  let fleet: RunningFleet | undefined;
  let root: string | undefined;
  let keys: Record<'alice' | 'bob' | K, KeyPair> | undefined;
  let result: { code: number; rows: InspectionRow[] } | undefined;

  beforeAll(async () => {
    if (!o.machine.runs) return;
    keyDir = await mkdtemp(path.join(os.tmpdir(), `og-${o.tmpPrefix}-`));
    const made: Record<string, KeyPair> = {};
    for (const name of ['alice', 'bob', ...(o.keys ?? [])]) made[name] = await generateKeyPair(path.join(keyDir, name), 'ed25519', name);
    keys = made as Record<'alice' | 'bob' | K, KeyPair>;
    fleet = await startFleet(await o.fleet(keys));
    await o.afterStart?.(fleet, keys);
    root = await writeFleetRepo(fleet, { alice: keys.alice.publicKey, bob: keys.bob.publicKey });
    await writeFile(path.join(root, 'policies', 'baselines', `${o.baseline.id}.yaml`), stringify(o.baseline));
    result = await inspectRows(root, fleet, ['--baselines', o.baseline.id]);
  }, 180_000);

  afterAll(async () => {
    try {
      await fleet?.stop();
    } finally {
      if (root) await rm(root, { recursive: true, force: true });
      if (keyDir) await rm(keyDir, { recursive: true, force: true });
    }
  });

  const ready = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`useInspectFleet: no ${what} (beforeAll did not get that far)`);
    return v;
  };
  return {
    get fleet() {
      return ready('fleet', fleet);
    },
    get root() {
      return ready('root', root);
    },
    get rows() {
      return ready('rows', result).rows;
    },
    get code() {
      return ready('code', result).code;
    },
    get keys() {
      return ready('keys', keys);
    },
  };
}
