import { describe, expect, it } from 'vitest';
import { gate, openPr, user, useHarness } from './helpers.ts';

/**
 * Files that change what runs on the runner when the workflows on the default branch run `npm ci` and `npx opsgate`
 * (apply, with the change's secrets) belong to the highest tier, whatever rule would otherwise cover them
 * (ARCHITECTURE.md, the governance list in scripts/gate/governance.ts). Through the real Octokit client.
 */
const h = useHarness();

describe('what npm reads when the workflows install and run opsgate', () => {
  it.each([
    // npm ci installs from npm-shrinkwrap.json, not package-lock.json, when both exist.
    ['npm-shrinkwrap.json', '{"name":"opsgate","lockfileVersion":3,"packages":{}}\n'],
    // node-options / script-shell / registry: every npx opsgate run would load code the PR names.
    ['.npmrc', 'node-options=--require ./runbooks/x.js\n'],
    // GitHub runs action.yaml when there is no action.yml.
    ['action.yaml', 'name: x\nruns: { using: node20, main: runbooks/x.js }\n'],
  ])('a pull request that adds %s needs the governance tier, not one ops approval', async (path, text) => {
    openPr(h, 1, 'li-na', { [path]: text });
    h.repo.review(1, user('zhao-min'), 'APPROVED');
    const r = await gate(h, 1);
    expect(r.rules.map((x) => x.id)).toContain('governance');
    expect(r.status).not.toBe('satisfied');
  });
});
