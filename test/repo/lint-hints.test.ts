import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../scripts/model/diagnostic.ts';
import { humanPath } from '../../scripts/repo/validate-schema.ts';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { calendar, change, group, host, person } from '../rules/fixture-docs.ts';

/** Hints a pull-request author can act on: located, in words, with the allowed values and what the property is for. */
const NOW = new Date('2026-11-27T10:00:00+08:00');
const base = {
  'inventory/groups/web.yaml': group('web'),
  'inventory/hosts/web-01.yaml': host('web-01'),
  'inventory/hosts/web-02.yaml': host('web-02'),
  'inventory/hosts/web-03.yaml': host('web-03'),
  'inventory/hosts/stg-01.yaml': host('stg-01', { env: 'staging' }),
  'policies/access/people/alice.yaml': person('alice'),
  'policies/access/people/bob.yaml': person('bob'),
  'policies/calendar.yaml': calendar,
};
const FILE = 'changes/2026/CHG-2026-0001.yaml';

async function lint(text: string): Promise<Diagnostic[]> {
  const repo = await repoFromFiles({ ...base, [FILE]: text });
  return lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((d) => d.file === FILE && d.severity === 'error');
}

// A JSON pointer (/a/b), a regular expression (^…$, \d, [0-9]) never reaches a message or a hint.
const POINTER = /(^|[\s'(])\/[a-z_]+(\/[\w-]+)*/;
const REGEX = /\^|\\d|\\w|\[0-9|\]\{|\$\)|\(\?:/;

describe('schema findings a pull-request author can act on', () => {
  it.each([
    {
      name: 'a misspelt top-level property',
      text: change().replace('purpose:', 'purpse:'),
      code: 'schema.unknown-property',
      line: 7,
      col: 1,
      pointer: '/purpse',
      hint: [/did you mean `purpose` \(Why the change is needed\)\?/, /allowed here: id, title, .*rollback/],
    },
    {
      name: 'a misspelt property inside the window',
      text: change().replace('end: 2026', 'edn: 2026'),
      code: 'schema.unknown-property',
      line: 10,
      col: 45,
      pointer: '/window/edn',
      hint: [/did you mean `end`/, /allowed here: start, end$/],
    },
    {
      name: 'a misspelt property of a run step',
      text: change().replace('kind: run, argv: [systemctl, restart, nginx]', 'kind: run, agrv: [systemctl, restart, nginx]'),
      code: 'schema.unknown-property',
      line: 12,
      col: 31,
      pointer: '/steps/0/agrv',
      hint: [/did you mean `argv`/, /allowed here: .*argv/],
    },
    {
      name: 'a value outside the enum, with what the property is for',
      text: change({ risk: 'hgih' }),
      code: 'schema.enum',
      line: 4,
      col: 7,
      pointer: '/risk',
      hint: [/use one of "low", "medium", "high", "critical" \(risk: Declared risk/],
    },
    {
      name: 'a timestamp without offset: no regular expression in the message',
      text: change({ start: '"2026-12-03T22:30:00"' }),
      code: 'schema.pattern',
      line: 10,
      col: 18,
      pointer: '/window/start',
      hint: [/2026-11-28T22:00:00\+08:00/],
    },
  ])('$name → $code at $line:$col', async ({ text, code, line, col, pointer, hint }) => {
    const ds = await lint(text);
    const d = ds.find((x) => x.code === code);
    expect(d).toMatchObject({ code, line, col, pointer });
    for (const h of hint) expect(d!.hint).toMatch(h);
    for (const x of ds) {
      expect(x.message).not.toMatch(POINTER);
      expect(x.message).not.toMatch(REGEX);
      expect(x.hint ?? '').not.toMatch(REGEX);
    }
  });

  it('a missing nested property is named in words', async () => {
    const ds = await lint(change().replace(', end: 2026-12-03T23:30:00+08:00', ''));
    expect(ds).toEqual([expect.objectContaining({ code: 'schema.required', line: 10, col: 9, pointer: '/window/end', message: "window: missing required property 'end'" })]);
    expect(ds[0]!.hint).toMatch(/add `end:` here \(end: /);
  });

  it.each([
    ['', 'the document'],
    ['/window/start', 'window.start'],
    ['/steps/0/argv/2', 'steps[0].argv[2]'],
    ['/env/a~1b', 'env["a/b"]'],
  ])('humanPath(%j) is %j', (pointer, words) => {
    expect(humanPath(pointer)).toBe(words);
  });
});

describe('rule findings a pull-request author can act on', () => {
  it('the same window problem on many hosts is one finding naming the hosts', async () => {
    const ds = await lint(change({ risk: 'high', targets: '{ hosts: [web-01, web-02, web-03] }', start: '2026-12-02T22:30:00+08:00', end: '2026-12-02T23:00:00+08:00' }));
    const outside = ds.filter((d) => d.code === 'change.outside-maintenance-window');
    expect(outside).toHaveLength(1);
    expect(outside[0]).toMatchObject({ line: 10, col: 9, pointer: '/window' });
    expect(outside[0]!.message).toMatch(/of 3 hosts: web-01, web-02 and web-03$/);
  });

  it('hosts to which different windows apply get one finding per window set', async () => {
    const ds = await lint(change({ risk: 'high', targets: '{ hosts: [web-01, web-02, stg-01] }', start: '2026-12-02T22:30:00+08:00', end: '2026-12-02T23:00:00+08:00' }));
    expect(ds.filter((d) => d.code === 'change.outside-maintenance-window').map((d) => d.message.replace(/.* of /, ''))).toEqual(['2 hosts: web-01 and web-02', 'host stg-01']);
  });

  it.each([
    ['rollback missing between verification and test_evidence', change().replace(/rollback:\n.*\n/, ''), 15, /after `verification:` and before `test_evidence:`/],
    [
      'rollback missing, verification last',
      change()
        .replace(/rollback:\n.*\n/, '')
        .replace(/test_evidence: .*\n/, 'test_evidence: { summary: ok }\n')
        .replace(/(verification:\n.*\n)/, '')
        .replace(/$/, 'verification:\n  - { id: active, argv: [systemctl, is-active, nginx] }\n'),
      16,
      /after `verification:`: /,
    ],
  ])('%s: located where `rollback:` belongs', async (_name, text, line, where) => {
    const d = (await lint(text)).find((x) => x.code === 'change.missing-safeguard');
    expect(d).toMatchObject({ pointer: '/rollback', line, col: 1 });
    expect(d!.hint).toMatch(where);
  });
});
