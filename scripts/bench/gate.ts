/**
 * `npm run bench:gate`: a 300-file pull request with 60 reviews against the
 * local GitHub server (test/github-server/), through the real Octokit client
 * with retry and throttling. Prints the wall time to a decision, the time to
 * publish (status + sticky comment, with GitHub's recommended 1 s spacing
 * between writes left on), and the number of API requests by endpoint.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGitHubClient } from '../github/client.ts';
import { createGitHubScm } from '../github/scm.ts';
import { collectGateInput } from '../gate/collect-facts.ts';
import { evaluateGate } from '../gate/evaluate.ts';
import { COMMENT_MARKER, renderComment, renderStatusDescription } from '../gate/render.ts';
import { statusContext } from '../gate/status-context.ts';
import { readSchemas } from '../repo/read-repo.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { startGitHubServer } from '../../test/github-server/server.ts';
import { baseFiles, changeYaml, LOGIN, user } from '../../test/gate/helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'ghs_benchbenchbenchbenchbench0000000000';
const RUNS = 5;

const gh = await startGitHubServer({ token: TOKEN });
try {
  const repo = gh.repo('yunfan/ops');
  const base = repo.commit({ files: baseFiles(), author: user('zhang-wei'), committer: user('zhang-wei') });
  // 300 files over three pushes: 12 change requests and 288 runbooks.
  const first: Record<string, string> = {};
  // Each change in its own hour of the staging window (Thursday and Friday 09:00–17:00), so lint's rules pass.
  const slot = (i: number) => {
    const day = i < 8 ? '03' : '04';
    const h = 9 + (i % 8);
    return { start: `2026-12-${day}T${String(h).padStart(2, '0')}:00:00+08:00`, end: `2026-12-${day}T${String(h + 1).padStart(2, '0')}:00:00+08:00` };
  };
  for (let i = 0; i < 12; i++) first[`changes/2026/CHG-2026-${String(500 + i).padStart(4, '0')}.yaml`] = changeYaml({ id: `CHG-2026-${String(500 + i).padStart(4, '0')}`, window: slot(i) });
  for (let i = 0; i < 278; i++) first[`runbooks/bench-${String(i).padStart(3, '0')}.md`] = `# runbook ${i}\n`;
  const c1 = repo.commit({ parent: base, files: first, author: user('li-na'), committer: user('li-na') });
  repo.openPull({ number: 900, author: user('li-na'), baseSha: base, commits: [c1] });
  const extra = (from: number) => Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`runbooks/bench-late-${from + i}.md`, `# late ${from + i}\n`]));
  const c2 = repo.push(900, extra(0), user('li-na'));
  repo.push(900, extra(5), user('li-na'));
  // 60 reviews: comments from colleagues and outsiders, superseded and stale approvals, a bot, and the approvals that decide.
  for (let i = 0; i < 50; i++) repo.review(900, { login: i % 2 ? `outsider-${i}` : LOGIN['huang-lei'], type: 'User' }, 'COMMENTED', i < 25 ? c1 : c2);
  repo.review(900, { login: 'ci-helper[bot]', type: 'Bot' }, 'APPROVED');
  repo.review(900, user('zhao-min'), 'APPROVED', c1);
  repo.review(900, user('wang-fang'), 'CHANGES_REQUESTED', c1);
  repo.review(900, user('wang-fang'), 'APPROVED', c2);
  repo.review(900, user('chen-jie'), 'APPROVED', c1);
  repo.review(900, user('sun-hao'), 'APPROVED');
  repo.review(900, user('liu-yang'), 'COMMENTED');
  repo.review(900, user('li-na'), 'APPROVED');
  repo.review(900, user('zhang-wei'), 'APPROVED', c2);
  repo.review(900, user('chen-jie'), 'APPROVED');

  const validator = createSchemaValidator(await readSchemas(ROOT));
  const decide: number[] = [];
  const publish: number[] = [];
  let requests = 0;
  let byEndpoint = new Map<string, number>();
  let status = '';
  let files = 0;
  let reviews = 0;
  for (let run = 0; run < RUNS; run++) {
    const startCount = gh.requests.length;
    const octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url });
    const scm = createGitHubScm(octokit, 'yunfan/ops');
    const t0 = performance.now();
    const input = await collectGateInput(scm, 900, validator, new Date('2026-11-27T03:00:00Z'));
    const result = evaluateGate(input);
    const t1 = performance.now();
    await Promise.all([
      scm.setStatus(result.head_sha, {
        state: result.status === 'satisfied' ? 'success' : result.status === 'pending' ? 'pending' : 'failure',
        context: statusContext(result.base_ref),
        description: renderStatusDescription(result),
      }),
      scm.upsertStickyComment(900, COMMENT_MARKER, renderComment(result)),
    ]);
    const t2 = performance.now();
    decide.push(t1 - t0);
    publish.push(t2 - t1);
    const these = gh.requests.slice(startCount);
    requests = these.length;
    byEndpoint = new Map();
    for (const r of these) {
      const key = `${r.method} ${r.path
        .replace(/\?.*$/, '')
        .replace(/\/repos\/[^/]+\/[^/]+/, '')
        .replace(/[0-9a-f]{40}/g, ':sha')
        .replace(/\/contents\/.*/, '/contents/:path')
        .replace(/\/\d+/g, '/:n')}`;
      byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
    }
    status = `${result.status}: ${result.summary}`;
    files = input.pr.files.length;
    reviews = input.pr.reviews.length;
  }
  /** Pages only: list pages, trees and blobs of the base context and changed documents, one permission read per person whose review could count; nothing per file or per review. */
  function kinds(m: Map<string, number>): string {
    const sum = (re: RegExp) => [...m].filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);
    return [
      `${sum(/^GET \/pulls|^GET \/issues/)} list pages`,
      `${sum(/\/git\/trees\//)} trees (base, head, and one per approved commit)`,
      `${sum(/\/git\/commits\//)} commit objects (one per tree: the root tree id the tree must hash to)`,
      `${sum(/\/git\/blobs\//)} blobs (base context and changed documents)`,
      `${sum(/\/compare\//)} compares (only when a tree is truncated)`,
      `${sum(/\/collaborators\//)} permission reads (one per deciding reviewer)`,
      `${sum(/^(POST|PATCH)/)} writes`,
    ].join(', ');
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  process.stdout.write(
    [
      `opsgate bench:gate — ${files} changed files, ${reviews} reviews, local GitHub server, real Octokit (retry + throttling)`,
      `decision: ${status}`,
      `time to decision: first run ${ms(decide[0]!)}, median of ${RUNS} ${ms(median(decide))}`,
      `publish (status + sticky comment): median ${ms(median(publish))} (plugin-throttling keeps GitHub's 1 s spacing between writes)`,
      `API requests per evaluation: ${requests} — ${kinds(byEndpoint)}`,
      ...[...byEndpoint].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `  ${String(n).padStart(3)}  ${k}`),
      '',
    ].join('\n'),
  );
} finally {
  await gh.stop();
}
