import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { ROOT } from '../gate/helpers.ts';

/**
 * The workflow event payload (GITHUB_EVENT_PATH) the gate reads in Actions: missing, not JSON or of
 * the wrong shape, it is unusable input (exit 2) named by its path in the payload, never a crash and
 * never a quiet "no pull request". No request reaches GitHub: the API URL points nowhere.
 */
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-event-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function gateWithEvent(text: string | undefined) {
  const file = path.join(tmp, 'event.json');
  if (text === undefined) rmSync(file, { force: true });
  else writeFileSync(file, text);
  let stderr = '';
  const sink = (f?: (s: string) => void) => ({ write: (s: string) => (f?.(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const env = { GITHUB_REPOSITORY: 'yunfan/ops', GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_EVENT_PATH: file, GITHUB_TOKEN: 'x' };
  const code = await runCli(['gate'], { env, stdout: sink(), stderr: sink((s) => (stderr += s)), cwd: ROOT });
  return { code, stderr, file };
}

describe('GITHUB_EVENT_PATH', () => {
  it.each([
    ['missing', undefined, /cannot read the event payload GITHUB_EVENT_PATH=.*ENOENT/],
    ['not JSON', '{"pull_request": ', /cannot read the event payload .*JSON/],
    ['null', 'null', /: the event: must be an object \(it is null\)/],
    ['a list', '[1]', /: the event: must be an object \(it is a list\)/],
    ['pull_request a number', '{"pull_request": 5}', /: pull_request: must be an object \(it is 5\)/],
    ['number a string', '{"pull_request": {"number": "52"}}', /: pull_request\.number: must be a pull request number .*\(it is "52"\)/],
    ['number negative', '{"pull_request": {"number": -1}}', /: pull_request\.number: must be a pull request number/],
    ['workflow_run a string', '{"workflow_run": "x"}', /: workflow_run: must be an object/],
    ['pull_requests an object', '{"workflow_run": {"pull_requests": {}}}', /: workflow_run\.pull_requests: must be a list \(it is an object\)/],
    ['pull_requests a number', '{"workflow_run": {"pull_requests": 5}}', /: workflow_run\.pull_requests: must be a list/],
    ['pull_requests [null]', '{"workflow_run": {"pull_requests": [null]}}', /: workflow_run\.pull_requests\[0\]: must be an object/],
    ['pull_requests [{number: 1.5}]', '{"workflow_run": {"pull_requests": [{"number": 1.5}]}}', /: workflow_run\.pull_requests\[0\]\.number: must be a pull request number/],
    ['head_sha a number', '{"workflow_run": {"pull_requests": [], "head_sha": 5}}', /: workflow_run\.head_sha: must be a string of the form/],
    ['head_repository a string', '{"workflow_run": {"head_repository": "a/b"}}', /: workflow_run\.head_repository: must be an object/],
    ['full_name not owner/name', '{"workflow_run": {"head_repository": {"full_name": 7}}}', /: workflow_run\.head_repository\.full_name: must be a string of the form/],
    ['no pull request at all (a push event)', '{"ref": "refs/heads/main"}', /no pull request to evaluate/],
  ])('%s: exit 2 with the field located', async (_what, text, message) => {
    const r = await gateWithEvent(text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('lists every wrong field, each prefixed with the file', async () => {
    const r = await gateWithEvent('{"workflow_run": {"pull_requests": [null, {"number": "3"}], "head_sha": "nope"}}');
    expect(r.code).toBe(2);
    for (const f of ['workflow_run.pull_requests[0]:', 'workflow_run.pull_requests[1].number:', 'workflow_run.head_sha:']) expect(r.stderr).toContain(`${r.file}: ${f}`);
  });
});
