/**
 * A calendar whose time zone cannot be told (ARCHITECTURE.md, "The calendar's time zone"): a name that is no IANA
 * zone, a number, an empty string. Lint said nothing about it and computed with it, or with UTC in its place: a
 * typo (Asia/Shanghi) gave `internal.rule-failed`, overdue advisories and changes outside every maintenance window
 * that were inside them, and a handover per shift whose id "was not" its boundary. Now it is one located error,
 * `calendar.timezone-invalid`, lint's `lint.rules-not-run` naming the rules it skipped, and no finding computed from the zone.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

interface JsonDiagnostic {
  code: string;
  severity: string;
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}

const NOW = '2026-12-01T12:00:00+08:00';
const CALENDAR = 'policies/calendar.yaml';
let root: string;
let valid: JsonDiagnostic[];

/** Lints the copy at the one instant; the exit code and the diagnostics of --format json. */
async function lint(): Promise<{ code: number; diagnostics: JsonDiagnostic[] }> {
  const r = await runBin(['--root', root, '--now', NOW, 'lint', '--format', 'json'], root);
  return { code: r.code, diagnostics: (JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics };
}

const key = (d: JsonDiagnostic) => JSON.stringify(d);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-calendar-timezone-'));
  for (const d of ['policies', 'inventory', 'changes', 'incidents', 'records', 'schemas', 'runbooks', 'reports']) await cp(path.join(repoRoot, d), path.join(root, d), { recursive: true });
  valid = (await lint()).diagnostics;
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a calendar time zone that cannot be told is one located lint error', () => {
  it('the sample organisation (Asia/Shanghai) has no such error', () => {
    expect(valid.filter((d) => d.code.startsWith('calendar.timezone') || d.code === 'internal.rule-failed')).toEqual([]);
  });

  it.each([
    ['a misspelt zone', 'Asia/Shanghi', "'Asia/Shanghi'"],
    ['a number', '8', 'not a string'],
    ['an empty string', '""', "''"],
  ])(
    '%s',
    async (_, value, shown) => {
      const text = await readFile(path.join(repoRoot, CALENDAR), 'utf8');
      expect(text).toMatch(/^timezone: Asia\/Shanghai$/m);
      await writeFile(path.join(root, CALENDAR), text.replace(/^timezone: Asia\/Shanghai$/m, `timezone: ${value}`));
      try {
        const { code, diagnostics } = await lint();
        const line = text.split('\n').findIndex((l) => l.startsWith('timezone:')) + 1;
        const zone = diagnostics.filter((d) => d.code === 'calendar.timezone-invalid');
        expect(zone).toHaveLength(1);
        expect(zone[0]).toMatchObject({ severity: 'error', file: CALENDAR, line, col: 11 });
        expect(zone[0]!.message).toContain(shown);
        expect(zone[0]!.message).not.toMatch(/\/timezone|\^|\\/);
        expect(zone[0]!.hint).toMatch(/Asia\/Shanghai|Europe\/Berlin/);
        expect(code).toBe(1);
        expect(diagnostics.filter((d) => d.code === 'internal.rule-failed')).toEqual([]);
        // Besides it, only lint's own word that the zone's rules did not run (test/cli/lint-unjudged.test.ts).
        const notRun = diagnostics.filter((d) => d.code === 'lint.rules-not-run');
        expect(notRun).toHaveLength(1);
        expect(notRun[0]).toMatchObject({ severity: 'error', file: CALENDAR });
        const before = new Set(valid.map(key));
        expect(diagnostics.filter((d) => d !== zone[0] && d !== notRun[0] && !before.has(key(d)))).toEqual([]);
      } finally {
        await writeFile(path.join(root, CALENDAR), await readFile(path.join(repoRoot, CALENDAR)));
      }
    },
    120_000,
  );
});
