/**
 * Every workflow, loaded as data, against the rules that make it safe on real
 * GitHub. Each rule names the defect it prevents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { calledWorkflow, envName, expandedJobs, expressions, loadAction, loadWorkflows, ROOT, type Job, type Step, type Workflow } from './load.ts';
import { BUILT_IN_GOVERNANCE_PATHS } from '../../scripts/gate/governance.ts';

const all = loadWorkflows();
const byFile = (f: string) => {
  const w = all.find((x) => x.file === f);
  if (!w) throw new Error(`no workflow ${f}`);
  return w;
};
const reusable = all.filter((w) => 'workflow_call' in w.on);
const triggered = all.filter((w) => !('workflow_call' in w.on));
const stepsOf = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);
const PIN = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const SHA_TRIGGERED = ['pull_request_target', 'workflow_run'];

/** Workflows (with what they call) whose runs can be started by `trigger`. */
function reachedBy(trigger: string): { wf: Workflow; text: string }[] {
  return triggered.filter((w) => trigger in w.on).map((w) => ({ wf: w, text: [w.text, ...Object.values(w.jobs).map((j) => calledWorkflow(all, j)?.text ?? '')].join('\n') }));
}

it('loads every workflow, and there is one for each flow', () => {
  expect(all.map((w) => w.file)).toEqual(
    expect.arrayContaining([
      'apply.yml',
      'gate.yml',
      'gate-record.yml',
      'gate-review-relay.yml',
      'gate-review-trigger.yml',
      'inspect.yml',
      'pr.yml',
      'report.yml',
      'test.yml',
      'reusable-apply.yml',
      'reusable-gate.yml',
      'reusable-gate-record.yml',
      'reusable-inspect.yml',
      'reusable-lint.yml',
      'reusable-report.yml',
    ]),
  );
  for (const w of all) expect(w.name, w.file).toBeTruthy();
});

describe('scheduled runs use their own ref', () => {
  // A `schedule` payload has no `repository` object: `github.event.repository.default_branch` is empty, the refspec `HEAD:` pushes nothing.
  it.each(reachedBy('schedule').map((x) => [x.wf.file, x.text]))('%s (and what it calls) never reads github.event.repository', (_f, text) => {
    expect(text.replace(/^\s*#.*$/gm, '')).not.toMatch(/github\.event\.repository/);
  });

  it('there are scheduled workflows to check, and each reaches a reusable workflow that checks out github.ref', () => {
    const scheduled = reachedBy('schedule').map((x) => x.wf.file);
    expect(scheduled).toEqual(expect.arrayContaining(['apply.yml', 'inspect.yml', 'report.yml', 'pr.yml']));
    for (const f of ['reusable-apply.yml', 'reusable-inspect.yml', 'reusable-report.yml']) {
      const refs = stepsOf(byFile(f))
        .filter((s) => s.uses?.startsWith('actions/checkout'))
        .map((s) => s.with?.ref);
      expect(refs.length, f).toBeGreaterThan(0);
      for (const r of refs) expect(r, f).toBe('${{ github.ref }}');
    }
  });
});

describe('third-party actions are pinned', () => {
  const uses = [
    ...all.flatMap((w) => [...stepsOf(w).map((s) => ({ file: w.file, uses: s.uses })), ...Object.values(w.jobs).map((j) => ({ file: w.file, uses: j.uses }))]),
    ...loadAction().action.runs.steps.map((s) => ({ file: 'action.yml', uses: s.uses })),
  ].filter((u): u is { file: string; uses: string } => typeof u.uses === 'string');

  it.each(uses.filter((u) => !u.uses.startsWith('./')).map((u) => [u.file, u.uses]))('%s: %s is a full commit SHA with its version beside it', (file, u) => {
    expect(u).toMatch(PIN);
    const text = file === 'action.yml' ? loadAction().text : byFile(file).text;
    const line = text.split('\n').find((l) => l.includes(u))!;
    expect(line).toMatch(/ # v\d+(\.\d+){0,2}$/);
  });

  it('a pinned action carries the same SHA everywhere', () => {
    const shas = new Map<string, Set<string>>();
    for (const u of uses.filter((x) => !x.uses.startsWith('./'))) {
      const [name, sha] = u.uses.split('@') as [string, string];
      shas.set(name, (shas.get(name) ?? new Set()).add(sha));
    }
    for (const [name, set] of shas) expect([...set], name).toHaveLength(1);
  });

  it('Dependabot keeps the pins and the packages current', () => {
    const d = parse(readFileSync(path.join(ROOT, '.github/dependabot.yml'), 'utf8')) as { version: number; updates: { 'package-ecosystem': string; directory: string }[] };
    expect(d.version).toBe(2);
    expect(d.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });
});

describe('permissions', () => {
  it.each(all.map((w) => [w.file, w]))('%s grants nothing at the top level', (_f, w) => {
    expect((w as Workflow).permissions).toEqual({});
  });

  it.each(all.flatMap((w) => Object.entries(w.jobs).map(([id, j]) => [`${w.file} ${id}`, j])))('%s declares its own permissions', (_n, j) => {
    expect(typeof (j as Job).permissions).toBe('object');
  });

  it.each(
    triggered.flatMap((w) =>
      Object.entries(w.jobs)
        .filter(([, j]) => calledWorkflow(all, j))
        .map(([id, j]) => [`${w.file} ${id}`, j]),
    ),
  )('%s gives a called workflow at least what its jobs ask for (a called job cannot get more than its caller)', (_n, j) => {
    const caller = (j as Job).permissions as Record<string, string>;
    const rank = { none: 0, read: 1, write: 2 } as Record<string, number>;
    for (const called of Object.values(calledWorkflow(all, j as Job)!.jobs)) {
      for (const [scope, level] of Object.entries((called.permissions ?? {}) as Record<string, string>)) {
        expect(rank[caller[scope] ?? 'none'], `${scope}: ${level}`).toBeGreaterThanOrEqual(rank[level]!);
      }
    }
  });

  it('only the jobs that write evidence can write contents, and the job with the SSH key writes only its lease', () => {
    for (const w of all)
      for (const [id, j] of Object.entries(w.jobs)) {
        if (j.uses) continue;
        const p = j.permissions as Record<string, string>;
        if (p.contents !== 'write') continue;
        const text = JSON.stringify(j.steps);
        expect(text, `${w.file} ${id}`).toMatch(/opsgate land (push|lease)/);
      }
  });
});

describe('secrets', () => {
  it.each(all.map((w) => [w.file, w.text]))('%s passes no blanket secrets', (_f, text) => {
    const code = (text as string).replace(/^\s*#.*$/gm, '');
    expect(code).not.toMatch(/toJSON\(\s*secrets\s*\)/i);
    expect(code).not.toMatch(/secrets\.\*/);
    expect(code).not.toMatch(/\$\{\{\s*secrets\s*\}\}/);
    for (const e of expressions(parse(text as string))) {
      // A dynamic name is either a name the caller chose for opsgate's own key, or a slot of the policy's list.
      for (const m of e.matchAll(/secrets\[([^\]]*\]?[^\]]*)\]/g)) {
        expect(m[1]).toMatch(/^inputs\.(ssh|app)-key-secret$|^fromJSON\(steps\.allowed\.outputs\.names\)\[\d+\] \|\| 'OPSGATE_NO_SECRET'$/);
      }
    }
  });

  it("`secrets: inherit` only hands secrets to this repository's own reusable workflows (environment secrets reach them only so)", () => {
    for (const w of triggered)
      for (const j of Object.values(w.jobs))
        if (j.secrets !== undefined) {
          expect(j.secrets).toBe('inherit');
          expect(j.uses, w.file).toMatch(/^\.\/\.github\/workflows\/reusable-[\w-]+\.yml$/);
        }
  });

  it("the secret slots cover the policy's maximum and the step exports only the policy's names", async () => {
    const { SECRET_SLOTS } = await import('../../scripts/rules/secret-names.ts');
    for (const f of ['reusable-apply.yml', 'reusable-inspect.yml']) {
      const step = stepsOf(byFile(f)).find((s) => s.env?.OPSGATE_SECRET_NAMES)!;
      const slots = Object.keys(step.env!).filter((k) => /^OPSGATE_SECRET_\d+$/.test(k));
      expect(slots, f).toHaveLength(SECRET_SLOTS);
      slots.forEach((k, i) => expect(step.env![k], `${f} ${k}`).toBe(`\${{ secrets[fromJSON(steps.allowed.outputs.names)[${i}] || 'OPSGATE_NO_SECRET'] }}`));
      expect(step.run).toContain('opsgate secrets export --null');
      expect(step.run).toContain(`seq 1 ${SECRET_SLOTS}`);
      expect(stepsOf(byFile(f)).find((s) => s.id === 'allowed')?.run).toBe('npx opsgate secrets list');
    }
  });
});

describe('keys live in environments that only the default branch can use', () => {
  const reads = (j: Job, what: 'app' | 'ssh') => {
    const text = JSON.stringify(j.steps ?? []);
    return what === 'app' ? /app-key-secret|OPSGATE_APP_PRIVATE_KEY/.test(text) : /ssh-key-secret|OPSGATE_SSH_KEY/.test(text);
  };
  const jobs = triggered.flatMap((w) => expandedJobs(all, w).map((x) => ({ ...x, file: w.file })));

  it.each(jobs.filter((x) => reads(x.job, 'app')).map((x) => [`${x.file} ${x.id}`, x]))('%s reads the App key only inside the App environment', (_n, x) => {
    const { job, caller } = x as (typeof jobs)[number];
    expect(envName(job.environment)).toBe('${{ inputs.app-environment }}');
    expect(caller?.with?.['app-environment']).toBe('opsgate');
    expect(reads(job, 'ssh')).toBe(false);
  });

  it.each(jobs.filter((x) => reads(x.job, 'ssh')).map((x) => [`${x.file} ${x.id}`, x]))('%s reads the SSH key only inside the production environment, without the App key', (_n, x) => {
    const { job, caller } = x as (typeof jobs)[number];
    expect(envName(job.environment)).toBe('${{ inputs.environment }}');
    expect(caller?.with?.environment).toBe('production');
    expect(reads(job, 'app')).toBe(false);
  });

  it('the flows that hold keys are the ones we expect', () => {
    const holders = jobs
      .filter((x) => reads(x.job, 'app') || reads(x.job, 'ssh'))
      .map((x) => `${x.file} ${x.id}`)
      .sort();
    expect(holders).toEqual([
      'apply.yml apply/apply',
      'apply.yml apply/land',
      'backup-verify.yml verify/land',
      'backup-verify.yml verify/verify',
      'gate-record.yml record/record',
      'gate-review-relay.yml gate/gate',
      'gate.yml gate/gate',
      'incident-alert.yml open/open',
      'incidents-watch.yml watch/land',
      'inspect.yml inspect/inspect',
      'inspect.yml inspect/land',
      'report.yml report/land',
    ]);
  });
});

describe('concurrency', () => {
  const group = (j: Job) => (typeof j.concurrency === 'string' ? j.concurrency : j.concurrency?.group) ?? '';
  const normalise = (g: string) => g.replace(/\$\{\{[^}]*\}\}/g, '<pr>');

  it('the gate and the review relay share one group per pull request, newest wins', () => {
    const gate = byFile('gate.yml').jobs.gate!;
    const relay = byFile('gate-review-relay.yml').jobs.gate!;
    expect(normalise(group(gate))).toBe(normalise(group(relay)));
    expect(group(gate)).toBe('opsgate-gate-pr-${{ github.event.pull_request.number }}');
    expect(group(relay)).toBe('opsgate-gate-pr-${{ needs.pr.outputs.number }}');
    for (const j of [gate, relay]) expect((j.concurrency as { 'cancel-in-progress': boolean })['cancel-in-progress']).toBe(true);
    expect(byFile('gate.yml').concurrency).toBeUndefined();
  });

  it('apply, inspect and report each run one at a time and are never cancelled by the next', () => {
    for (const [f, g] of [
      ['apply.yml', 'opsgate-apply'],
      ['inspect.yml', 'opsgate-inspect'],
      ['report.yml', 'opsgate-report'],
    ] as const) {
      expect(byFile(f).concurrency).toEqual({ group: g, 'cancel-in-progress': false });
    }
  });

  it('recording a decision is never cancelled (its group never cancels in progress)', () => {
    const c = byFile('gate-record.yml').jobs.record!.concurrency as { 'cancel-in-progress': boolean };
    expect(c['cancel-in-progress']).toBe(false);
  });
});

describe('what runs, and from where', () => {
  it.each(all.map((w) => [w.file, w]))('%s puts no expression inside a shell script (injection)', (_f, w) => {
    for (const s of stepsOf(w as Workflow)) if (s.run) expect(s.run).not.toMatch(/\$\{\{/);
  });

  it('the composite action puts no expression inside a shell script either', () => {
    for (const s of loadAction().action.runs.steps) if ((s as Step).run) expect((s as Step).run).not.toMatch(/\$\{\{/);
  });

  it.each(SHA_TRIGGERED.flatMap((t) => reachedBy(t)).map((x) => [x.wf.file, x.wf]))('%s never checks out, fetches or runs a pull request head', (_f, w) => {
    const wf = w as Workflow;
    for (const x of expandedJobs(all, wf)) {
      const text = JSON.stringify(x.job.steps);
      expect(text).not.toMatch(/head_ref|refs\/pull|head\.repo|pull_request\.head\.ref|allow-unsafe-pr-checkout/);
      for (const s of x.job.steps ?? []) if (s.uses?.startsWith('actions/checkout')) expect(['${{ inputs.ref }}', '${{ github.ref }}']).toContain(s.with?.ref);
    }
    for (const j of Object.values(wf.jobs)) if (j.with?.ref !== undefined) expect(['${{ github.event.pull_request.base.sha }}', '${{ github.sha }}']).toContain(j.with.ref);
  });

  it('the head SHA of a merged pull request is only ever data: the recorded head is compared with it', () => {
    const rec = byFile('gate-record.yml').jobs.record!;
    expect(rec.with?.['head-sha']).toBe("${{ github.event.pull_request.head.sha || '' }}");
    const step = stepsOf(byFile('reusable-gate-record.yml')).find((s) => s.env?.OPSGATE_MERGED_HEAD)!;
    expect(step.run).toMatch(/\$head" != "\$OPSGATE_MERGED_HEAD/);
    expect(stepsOf(byFile('reusable-gate-record.yml')).some((s) => JSON.stringify(s.with ?? {}).includes('head-sha'))).toBe(false);
  });

  it('jobs reachable from pull_request_target or workflow_run do not share a package cache', () => {
    for (const x of SHA_TRIGGERED.flatMap((t) => reachedBy(t)).flatMap((r) => expandedJobs(all, r.wf))) {
      for (const s of x.job.steps ?? []) if (s.uses?.startsWith('actions/setup-node')) expect(s.with?.['package-manager-cache'], x.id).toBe(false);
    }
  });

  it('every install skips install scripts; only the test suite installs devDependencies', () => {
    for (const w of all)
      for (const [id, j] of Object.entries(w.jobs))
        for (const s of j.steps ?? []) {
          for (const cmd of (s.run ?? '').split('\n').filter((l) => /\bnpm (ci|install)\b/.test(l))) {
            expect(cmd, `${w.file} ${id}`).toContain('--ignore-scripts');
            expect(cmd, `${w.file} ${id}`).toContain('--omit=dev');
          }
        }
    expect(byFile('test.yml').text).toMatch(/\.ci\/run/);
  });

  it('every call to a reusable workflow names only inputs it declares, and all it requires', () => {
    for (const w of triggered)
      for (const [id, j] of Object.entries(w.jobs)) {
        const called = calledWorkflow(all, j);
        if (!j.uses) continue;
        expect(called, `${w.file} ${id} calls ${j.uses}`).toBeDefined();
        const inputs = (called!.on.workflow_call as { inputs?: Record<string, { required?: boolean }> }).inputs ?? {};
        for (const k of Object.keys(j.with ?? {})) expect(Object.keys(inputs), `${w.file} ${id}`).toContain(k);
        for (const [k, d] of Object.entries(inputs)) if (d.required) expect(Object.keys(j.with ?? {}), `${w.file} ${id}`).toContain(k);
      }
    for (const w of reusable)
      expect(
        triggered.some((t) => Object.values(t.jobs).some((j) => calledWorkflow(all, j) === w)),
        `${w.file} is called here`,
      ).toBe(true);
  });
});

describe('each flow', () => {
  it('apply: the runner of the job that reaches the hosts is configurable, and the lease comes before apply', () => {
    expect(byFile('apply.yml').jobs.apply!.with?.['fleet-runner']).toMatch(/vars\.OPSGATE_APPLY_RUNNER/);
    const job = byFile('reusable-apply.yml').jobs.apply!;
    expect(job['runs-on']).toContain('inputs.fleet-runner');
    const runs = job.steps!.map((s) => s.run ?? s.uses ?? '');
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(at(/opsgate land lease --flow apply --if-due/)).toBeGreaterThan(-1);
    expect(at(/opsgate land lease/)).toBeLessThan(at(/opsgate apply --due/));
    expect(at(/opsgate apply --due/)).toBeLessThan(at(/opsgate land stage --flow apply/));
    expect(at(/opsgate land stage/)).toBeLessThan(at(/upload-artifact/));
    for (const s of job.steps!.filter((x) => /land stage|upload-artifact|records verify/.test(x.run ?? x.uses ?? ''))) expect(s.if).toMatch(/^always\(\) && /);
    const land = byFile('reusable-apply.yml').jobs.land!;
    expect(land.if).toMatch(/^always\(\) && /);
    expect(land.steps!.map((s) => s.run ?? '').join('\n')).toMatch(/opsgate land push .*--release-lease/);
  });

  it('apply starts when a decision has landed, not on a push it could not apply yet', () => {
    const on = byFile('apply.yml').on as Record<string, { workflows?: string[] }>;
    expect(Object.keys(on).sort()).toEqual(['schedule', 'workflow_dispatch', 'workflow_run']);
    expect(on.workflow_run!.workflows).toEqual([byFile('gate-record.yml').name]);
  });

  it('the gate decision is recorded when a pull request is merged, and can be recorded again by hand', () => {
    const w = byFile('gate-record.yml');
    expect((w.on.pull_request_target as { types: string[] }).types).toEqual(['closed']);
    expect(w.jobs.record!.if).toMatch(/github\.event\.pull_request\.merged == true/);
    expect((w.on.workflow_dispatch as { inputs: Record<string, { required: boolean }> }).inputs.pr!.required).toBe(true);
    expect(
      stepsOf(byFile('reusable-gate-record.yml'))
        .map((s) => s.run ?? '')
        .join('\n'),
    ).toMatch(/opsgate gate --pr "\$OPSGATE_PR" --record[\s\S]*opsgate land stage --flow gate[\s\S]*opsgate land push/);
  });

  it('report: each report generated once, uploaded, landed with retries', () => {
    const steps = stepsOf(byFile('reusable-report.yml'));
    const gen = steps.find((s) => s.id === 'generate')!.run!;
    expect(gen.match(/npx opsgate report/g)).toHaveLength(1);
    expect(gen).toMatch(/for kind in audit monthly[\s\S]*for lang in zh-CN en/);
    expect(steps.map((s) => s.run ?? '').join('\n')).toMatch(/opsgate land push/);
  });

  it('lint in a pull request reports what the pull request changed; the schedule reports everything', () => {
    const w = byFile('pr.yml');
    expect(Object.keys(w.on)).toEqual(expect.arrayContaining(['pull_request', 'schedule']));
    expect(w.jobs.lint!.with?.['changed-since']).toBe("${{ github.event.pull_request.base.sha || '' }}");
    expect(
      stepsOf(byFile('reusable-lint.yml'))
        .map((s) => s.run ?? '')
        .join('\n'),
    ).toMatch(/--changed-since "\$SINCE"/);
  });

  it('tests run on every pull request that touches code, schemas, tests, packages or the CI wiring', () => {
    const paths = (byFile('test.yml').on.pull_request as { paths: string[] }).paths;
    expect(paths).toContain('test/**');
    // Every governance path that is code or its wiring (not the policies or records it judges): a governance approval approves tested code.
    const code = BUILT_IN_GOVERNANCE_PATHS.filter((p) => !p.startsWith('policies/') && !p.startsWith('records/'));
    expect(code.filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('the review trigger is inert: no permissions, no checkout, no secrets, only the PR number for the relay', () => {
    const w = byFile('gate-review-trigger.yml');
    expect(Object.keys(w.on)).toEqual(['pull_request_review']);
    expect(w.jobs.relay!.permissions).toEqual({});
    expect(w.text.replace(/^\s*#.*$/gm, '')).not.toMatch(/checkout|secrets|npm|npx/);
    expect((byFile('gate-review-relay.yml').on.workflow_run as { workflows: string[] }).workflows).toEqual([w.name]);
  });

  it('the gate evaluates with the base commit: the pull request event passes base.sha, the relay the default branch', () => {
    expect(byFile('gate.yml').jobs.gate!.with).toMatchObject({ pr: '${{ github.event.pull_request.number }}', ref: '${{ github.event.pull_request.base.sha }}' });
    expect(byFile('gate-review-relay.yml').jobs.gate!.with).toMatchObject({ pr: '${{ needs.pr.outputs.number }}', ref: '${{ github.sha }}' });
    const step = stepsOf(byFile('reusable-gate.yml')).find((s) => s.env?.OPSGATE_PR)!;
    expect(step.run).toContain('npx opsgate gate --pr "$OPSGATE_PR" --format github');
    // The comment it adopts is the one its own token's identity wrote.
    expect(step.env!.OPSGATE_BOT_LOGINS).toBe("${{ steps.app.outputs.app-slug && format('{0}[bot]', steps.app.outputs.app-slug) || 'github-actions[bot]' }}");
    expect(step.env!.GITHUB_TOKEN).toBe('${{ steps.app.outputs.token || github.token }}');
  });

  it("requesting reviews is opt-in (vars.OPSGATE_REQUEST_REVIEWS): only then may the App's token write pull requests; the job's own token never", () => {
    for (const f of ['gate.yml', 'gate-review-relay.yml']) {
      const j = byFile(f).jobs.gate!;
      expect(j.with!['request-reviews'], f).toBe("${{ vars.OPSGATE_REQUEST_REVIEWS == 'true' }}");
      expect((j.permissions as Record<string, string>)['pull-requests'], f).toBe('read');
    }
    const w = byFile('reusable-gate.yml');
    expect((w.on.workflow_call as { inputs: Record<string, { default: unknown }> }).inputs['request-reviews']!.default).toBe(false);
    expect((w.jobs.gate!.permissions as Record<string, string>)['pull-requests']).toBe('read');
    const app = stepsOf(w).find((s) => s.id === 'app')!;
    expect(app.with!['permission-pull-requests']).toBe("${{ inputs.request-reviews && 'write' || 'read' }}");
    const step = stepsOf(w).find((s) => s.env?.OPSGATE_PR)!;
    expect(step.env!.OPSGATE_REQUEST_REVIEWS).toBe('${{ inputs.request-reviews }}');
    expect(step.run).toMatch(/if \[ "\$OPSGATE_REQUEST_REVIEWS" = true \]; then set -- --request-reviews; fi/);
    expect(step.run).toContain('"$@"');
  });
});
