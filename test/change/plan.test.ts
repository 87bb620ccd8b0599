import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { planBatches } from '../../scripts/change/batches.ts';
import { evaluateExpectation } from '../../scripts/change/check.ts';
import { planChange, type PlanInput } from '../../scripts/change/plan.ts';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../../scripts/change/render-plan.ts';
import type { ChangeDocument } from '../../scripts/model/documents.generated.ts';

const base: ChangeDocument = {
  id: 'CHG-2026-0042',
  title: 'nginx config',
  type: 'normal',
  risk: 'low',
  requester: 'a',
  implementer: 'a',
  purpose: 'p',
  impact: { description: 'd', expected_downtime_minutes: 0 },
  targets: { groups: ['web'] },
  window: { start: '2026-12-01T22:00:00+08:00', end: '2026-12-02T01:00:00+08:00' },
  prechecks: [{ id: 'nginx-ok', argv: ['nginx', '-t'] }],
  steps: [
    { id: 'conf', kind: 'upload', source: 'files/nginx.conf', dest: '/etc/nginx/nginx.conf', mode: '0644', owner: 'root', group: 'wheel' },
    { id: 'reload', kind: 'run', argv: ['systemctl', 'reload', 'nginx'], sudo: true, idempotent: true },
  ],
  verification: [{ id: 'http', argv: ['curl', '-fsS', 'http://127.0.0.1/'], expect: { stdout_contains: 'ok' } }],
  rollback: [{ id: 'reload-again', kind: 'run', argv: ['systemctl', 'reload', 'nginx'], sudo: true }],
  rollout: { canary: 1, batch_size: 2, max_failures: 0 },
};

function input(change: Partial<ChangeDocument> = {}, hosts = ['w1', 'w2', 'w3', 'w4']): PlanInput {
  return {
    change: { id: 'CHG-2026-0042', file: 'changes/2026/CHG-2026-0042.yaml', sha256: 'f'.repeat(64), data: { ...base, ...change } },
    hosts: hosts.map((id) => ({ id, data: { groups: ['web'] } })),
    files: new Map([
      ['files/nginx.conf', { sha256: 'a'.repeat(64), bytes: 10 }],
      ['scripts/x.sh', { sha256: 'b'.repeat(64), bytes: 5 }],
    ]),
    access: { people: [], roles: [], grants: [] },
    now: new Date('2026-12-01T15:00:00Z'),
  };
}

describe('planBatches', () => {
  it.each([
    [['a', 'b', 'c', 'd', 'e'], 1, 2, [['a'], ['b', 'c'], ['d', 'e']]],
    [['a', 'b', 'c'], 0, 2, [['a', 'b'], ['c']]],
    [['a', 'b'], 3, 10, [['a', 'b']]],
    [[], 1, 5, []],
    [['a', 'b', 'c', 'd'], 2, 1, [['a', 'b'], ['c'], ['d']]],
  ])('%j canary %i batch %i', (hosts, canary, size, want) => {
    const b = planBatches(hosts, canary, size);
    expect(b.map((x) => x.hosts)).toEqual(want);
    if (canary > 0 && hosts.length > 0) expect(b[0]!.canary).toBe(true);
    expect(b.filter((x) => x.canary).length).toBeLessThanOrEqual(1);
  });
});

describe('planChange', () => {
  it('renders every remote command, rollback with restores first, canary batches', () => {
    const p = planChange(input());
    expect(p.diagnostics).toEqual([]);
    expect(p.batches.map((b) => b.hosts)).toEqual([['w1'], ['w2', 'w3'], ['w4']]);
    const h = p.hosts[0]!;
    expect(h.prechecks[0]!.command).toBe('nginx -t');
    expect(h.steps[0]!.command.startsWith("sudo -n -- sh -c 'set -eu")).toBe(true);
    // The upload script's positional arguments: $0, dest, mode, owner, group, the change id as backup tag.
    expect(h.steps[0]!.argv.slice(-6)).toEqual(['opsgate-upload', '/etc/nginx/nginx.conf', '0644', 'root', 'wheel', 'CHG-2026-0042']);
    expect(h.steps[0]!.stdin).toEqual({ source: 'repo', path: 'files/nginx.conf', sha256: 'a'.repeat(64), bytes: 10 });
    expect(h.steps[1]!.command).toBe('sudo -n -- systemctl reload nginx');
    expect(h.rollback.map((a) => a.id)).toEqual(['restore-conf', 'reload-again']);
    expect(h.verification[0]!.expect).toEqual({ exit_code: 0, stdout_contains: 'ok' });
  });

  it('names a step whose timeout outlasts the whole window: it could never start', () => {
    const steps: ChangeDocument['steps'] = [
      { id: 'long', kind: 'run', argv: ['true'], timeout_seconds: 3 * 3600 + 1 },
      { id: 'fits', kind: 'run', argv: ['true'], timeout_seconds: 3 * 3600 },
    ];
    const p = planChange(input({ steps }));
    expect(p.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['plan.step-outlasts-window', "step 'long' may run 10801 s (its timeout), longer than the whole window (10800 s): it could never start"],
    ]);
    const short = planChange(input({ window: { start: '2026-12-01T22:00:00+08:00', end: '2026-12-01T22:04:00+08:00' }, steps: [{ id: 'dflt', kind: 'run', argv: ['true'] }] }));
    expect(short.diagnostics.map((d) => d.code)).toEqual(['plan.step-outlasts-window']);
  });

  it('quotes hostile YAML values so that a real shell receives them literally', () => {
    const evil = ['; rm -rf /tmp/x', '$(touch /tmp/pwned)', "it's `id`", 'a\\b "c"'];
    const p = planChange(input({ steps: [{ id: 'echo', kind: 'run', argv: ['printf', '%s\\n', ...evil], env: { NOTE: '$(id); x' } }] }));
    const cmd = p.hosts[0]!.steps[0]!.command;
    // A real sh parses the rendered line back into exactly the original arguments.
    const out = execFileSync('sh', ['-c', cmd.replace(/^env NOTE=\S+ /, '')], { encoding: 'utf8' });
    expect(out).toBe(evil.map((e) => `${e}\n`).join(''));
    const env = execFileSync('sh', ['-c', cmd.replace(/ printf .*$/, ' sh -c \'printf %s "$NOTE"\'')], { encoding: 'utf8' });
    expect(env).toBe('$(id); x');
  });

  it('sends secrets on stdin, naming them only', () => {
    const p = planChange(input({ steps: [{ id: 's', kind: 'run', argv: ['deploy'], env: { TOKEN: '${{ secrets.DEPLOY_TOKEN }}', MODE: 'fast' } }] }));
    const a = p.hosts[0]!.steps[0]!;
    expect(a.stdin).toEqual({ source: 'secrets', names: ['DEPLOY_TOKEN'] });
    expect(a.command).toContain('MODE=fast');
    expect(a.command).not.toContain('secrets.DEPLOY_TOKEN');
  });

  it.each([
    [{ steps: [{ id: 'x', kind: 'upload' as const, source: 'files/missing', dest: '/etc/x', mode: '0644' }] }, 'plan.missing-file'],
    [{ steps: [{ id: 'x', kind: 'run' as const, argv: ['-rf', '/'] as [string, ...string[]] }] }, 'plan.option-command'],
    [{ steps: [{ id: 'x', kind: 'run' as const }] }, 'plan.run-shape'],
    [{ steps: [{ id: 'x', kind: 'run' as const, argv: ['a'] as [string], env: { A: 'x\ny' } }] }, 'plan.env-value'],
    [
      {
        steps: [
          { id: 'x', kind: 'run' as const, argv: ['a'] as [string] },
          { id: 'x', kind: 'run' as const, argv: ['b'] as [string] },
        ],
      },
      'plan.duplicate-id',
    ],
    [{ verification: [{ id: 'v', argv: ['a'] as [string], expect: { stdout_matches: '(' } }] }, 'plan.bad-regex'],
  ])('reports %#: %s', (change, code) => {
    const p = planChange(input(change as Partial<ChangeDocument>));
    expect(p.diagnostics.map((d) => d.code)).toContain(code);
  });

  it('renders text and markdown with every command', () => {
    const p = planChange(input());
    const text = renderPlanText(p);
    expect(text).toContain('batch 1 (canary): w1');
    expect(text).toContain('$ sudo -n -- systemctl reload nginx');
    expect(text).toContain('on every host:');
    const md = renderPlanMarkdown(p);
    expect(md).toContain('### Plan for CHG-2026-0042');
    expect(md).toContain('sudo -n -- systemctl reload nginx');
  });
});

describe('plan output is sanitised', () => {
  // ESC (colours, cursor), BEL, a C1 control, right-to-left override and isolate, a line separator.
  const hostile = 'x\u001b[31mRED\u0007\u009b2J\u202eevil\u2066\u2028y';
  const p = planChange(
    input({
      title: `title ${hostile}`,
      steps: [{ id: 'echo', kind: 'run', name: `name ${hostile}`, argv: ['printf', '%s', `arg ${hostile}`], env: { NOTE: `env ${hostile}` } }],
      verification: [{ id: 'v', argv: ['true'], expect: { stdout_contains: `out ${hostile}` } }],
    }),
  );
  // eslint-disable-next-line no-control-regex -- control characters are what must not appear
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
  it.each([
    ['text', renderPlanText(p)],
    ['markdown', renderPlanMarkdown(p)],
    ['json', renderPlanJson(p)],
  ])('%s carries no raw control or bidi character', (_f, out) => {
    expect(out).not.toMatch(raw);
    expect(out).toContain('\\u001b');
    expect(out).toContain('\\u202e');
  });
  it('JSON still parses back to the values as written', () => {
    const back = JSON.parse(renderPlanJson(p)) as { title: string; hosts: Array<{ steps: Array<{ name: string }> }> };
    expect(back.title).toBe(`title ${hostile}`);
    expect(back.hosts[0]!.steps[0]!.name).toBe(`name ${hostile}`);
  });
});

describe('evaluateExpectation', () => {
  it.each([
    [{ code: 0, stdout: 'ok' }, undefined, true],
    [{ code: 1, stdout: '' }, undefined, false],
    [{ code: 2, stdout: '' }, { exit_code: 2 }, true],
    [{ code: 0, stdout: 'mysqld is alive' }, { exit_code: 0, stdout_contains: 'alive' }, true],
    [{ code: 0, stdout: 'dead' }, { exit_code: 0, stdout_contains: 'alive' }, false],
    [{ code: 0, stdout: 'x\n8.0.40\n' }, { exit_code: 0, stdout_matches: '^8\\.0\\.40$' }, true],
    [{ code: null, signal: 'KILL', stdout: '' }, undefined, false],
  ])('%j against %j → %s', (result, expect_, ok) => {
    expect(evaluateExpectation(result, expect_).ok).toBe(ok);
  });
});
