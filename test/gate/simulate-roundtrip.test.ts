import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { collectGateInput } from '../../scripts/gate/collect-facts.ts';
import { evaluateGate } from '../../scripts/gate/evaluate.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { NOW, ROOT, changePath, changeYaml, client, openPr, startHarness, user, type Harness } from './helpers.ts';

/**
 * What the gate collects from GitHub, written as a simulation file (sample:records does exactly this),
 * is accepted by scripts/gate/simulation.schema.json and decides the same: the schema describes the
 * gate's own facts, not a guess at them.
 */
let h: Harness;
let tmp: string;
beforeEach(async () => {
  h = await startHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-simrt-'));
});
afterEach(async () => {
  await h.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a simulation written from collected gate input', () => {
  it('reads back with the same decision', async () => {
    openPr(h, 60, 'li-na', { [changePath()]: changeYaml({ risk: 'high' }), 'runbooks/extra.md': '# extra\n' });
    h.repo.review(60, user('chen-jie'), 'APPROVED');
    h.repo.review(60, null, 'APPROVED');
    const input = await collectGateInput(client(h).scm, 60, createSchemaValidator(await readSchemas(ROOT)), NOW);
    const live = evaluateGate(input);
    const { now: _now, ...facts } = input;
    const file = path.join(tmp, 'sim.json');
    writeFileSync(file, JSON.stringify({ now: NOW.toISOString(), ...facts }, null, 2));
    let stdout = '';
    let stderr = '';
    const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(String(s)), true) }) as unknown as NodeJS.WritableStream;
    const code = await runCli(['gate', '--root', tmp, '--simulate', file, '--format', 'json'], { env: {}, stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), cwd: tmp });
    expect(stderr).toBe('');
    expect(code).toBe(live.status === 'satisfied' ? 0 : 1);
    const simulated = JSON.parse(stdout) as typeof live;
    expect(simulated.rules.map((r) => `${r.id}:${r.status}`)).toEqual(live.rules.map((r) => `${r.id}:${r.status}`));
    expect(simulated.ignored).toEqual(live.ignored);
  });
});
