import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { blobSha } from '../github-server/server.ts';
import { changePath, changeYaml, gate, openPr, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * Blob content that is not the blob the tree names, through the real Octokit client: a raw body cut
 * short (with a Content-Length that matches, so HTTP cannot tell) or altered on the way. The gate
 * reads the policy and every document by blob id; bytes that do not hash to that id are not it.
 * A policy cut after a rule reads as valid YAML with fewer rules: a high-risk change then needs
 * only the normal-change approval.
 */
const h = useHarness();

/** Serves `edit(content)` instead of the blob whose content is `of`, as raw bytes. */
function serveOtherBlob(of: string, edit: (content: string) => string) {
  const sha = blobSha(of);
  h.gh.route({
    method: 'GET',
    pattern: new RegExp(`^/git/blobs/${sha}$`),
    handle: (c) => c.send(200, edit(of)),
  });
}

const policyText = () => h.repo.commits.get(h.base)!.tree.get('policies/approval.yaml')!;

describe('blob content', () => {
  it('baseline: a high-risk change approved by one SRE lead waits for the CAB', async () => {
    openPr(h, 1, 'li-na', { [changePath()]: changeYaml({ risk: 'high' }) });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).not.toBe('satisfied');
  });

  it('a policy blob cut short is not the policy: fails closed, naming the blob', async () => {
    openPr(h, 2, 'li-na', { [changePath()]: changeYaml({ risk: 'high' }) });
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    serveOtherBlob(policyText(), (t) => t.slice(0, t.indexOf('  - id: change-high-risk')));
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as GateResult;
    expect(r.status).toBe('failed');
    expect(r.problems[0]!.message).toMatch(/blob [0-9a-f]{12}.*other content/);
  });

  it('a changed document altered on the way fails closed', async () => {
    const text = changeYaml({ risk: 'high' });
    openPr(h, 3, 'li-na', { [changePath()]: text });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    serveOtherBlob(text, (t) => t.replace('risk: high', 'risk: low'));
    await expect(gate(h, 3)).rejects.toThrow(/read blob [0-9a-f]{12} failed: .*other content.*cut short or altered/);
  });

  it('a byte-order mark is hashed as sent: a blob that is what the tree names is read', async () => {
    const bom = `\uFEFF${'# runbook\n'}`;
    openPr(h, 4, 'li-na', { 'runbooks/bom.md': bom, [changePath()]: changeYaml() });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 4);
    expect(r.problems).toEqual([]);
  });
});
