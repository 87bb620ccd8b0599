import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHANGE_REPORT_OUTCOMES, CHECK_RESULTS, CLOSURE_OUTCOMES, HOST_OUTCOMES, RUN_OUTCOMES, SCORED_CHECK_RESULTS, STEP_OUTCOMES } from '../../scripts/model/outcome.ts';
import { en } from '../../scripts/report/strings/en.ts';
import { zhCN } from '../../scripts/report/strings/zh-CN.ts';

/**
 * One outcome vocabulary (ARCHITECTURE.md, "Outcomes"; scripts/model/outcome.ts): what apply, converge,
 * inspect, backup verification and the reports write is spelt with its words, and no other spelling of
 * success or failure creeps back into the code.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p, ext);
    return ext.test(e.name) ? [p] : [];
  });
}

type Line = Record<string, unknown>;

/** Every outcome-like word a record line carries, with the vocabulary it must come from. */
function wordsOf(l: Line): Array<{ word: unknown; allowed: readonly string[]; where: string }> {
  const type = String(l.type);
  const out: Array<{ word: unknown; allowed: readonly string[]; where: string }> = [];
  if (type === 'step.done' && 'outcome' in l) out.push({ word: l.outcome, allowed: STEP_OUTCOMES, where: 'outcome' });
  if ((type === 'host.done' || type === 'converge.done') && 'outcome' in l) out.push({ word: l.outcome, allowed: HOST_OUTCOMES, where: 'outcome' });
  if (type === 'run.done') {
    if ('outcome' in l) out.push({ word: l.outcome, allowed: RUN_OUTCOMES, where: 'outcome' });
    for (const [h, o] of Object.entries((l.hosts ?? {}) as Record<string, unknown>)) out.push({ word: o, allowed: HOST_OUTCOMES, where: `hosts.${h}` });
  }
  if (type.startsWith('backup.') && 'status' in l) out.push({ word: l.status, allowed: SCORED_CHECK_RESULTS, where: 'status' });
  if (type === 'inspection.host') for (const [i, r] of ((l.results ?? []) as Line[]).entries()) out.push({ word: r.status, allowed: CHECK_RESULTS, where: `results[${i}].status` });
  return out;
}

describe('one outcome vocabulary', () => {
  const recordFiles = filesUnder(path.join(repoRoot, 'records'), /\.jsonl$/);

  it('every outcome word in the sample records is one of model/outcome.ts', () => {
    let seen = 0;
    const strays: string[] = [];
    for (const f of recordFiles) {
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .forEach((text, i) => {
          for (const w of wordsOf(JSON.parse(text) as Line)) {
            seen++;
            if (!w.allowed.includes(w.word as string)) strays.push(`${path.relative(repoRoot, f)}:${i + 1} ${w.where}=${JSON.stringify(w.word)}`);
          }
        });
    }
    expect(strays).toEqual([]);
    // The sample holds runs, converges, backups and inspections: the check looked at real words.
    expect(seen).toBeGreaterThan(100);
  });

  it('finds a stray word (the checker itself)', () => {
    expect(wordsOf({ type: 'run.done', outcome: 'success', hosts: { a: 'ok' } }).filter((w) => !w.allowed.includes(w.word as string))).toHaveLength(2);
    expect(wordsOf({ type: 'backup.check', status: 'successful' }).filter((w) => !w.allowed.includes(w.word as string))).toHaveLength(1);
  });

  it("a closure's outcome in the change schema is exactly CLOSURE_OUTCOMES", () => {
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/change.schema.json'), 'utf8')) as { properties: { closure: { properties: { outcome: { enum: string[] } } } } };
    expect([...schema.properties.closure.properties.outcome.enum].sort()).toEqual([...CLOSURE_OUTCOMES].sort());
  });

  it.each([
    ['en', en],
    ['zh-CN', zhCN],
  ] as const)('the %s report names every change outcome and every check result', (_lang, strings) => {
    const table = strings as Readonly<Record<string, string>>;
    expect(CHANGE_REPORT_OUTCOMES.filter((o) => !table[`val.outcome.${o}`])).toEqual([]);
    expect(SCORED_CHECK_RESULTS.filter((r) => !table[`val.result.${r}`])).toEqual([]);
  });

  /**
   * Other spellings of success and failure, as string literals in scripts/. The only places allowed are
   * other systems' own words: GitHub's commit-status states, systemd's unit Result= and PAM's return values.
   */
  it('no other spelling of success or failure appears in scripts/', () => {
    const foreign: Record<string, string> = {
      'github/scm.ts': "GitHub's commit-status states",
      'commands/gate.ts': "GitHub's commit-status states",
      'bench/gate.ts': "GitHub's commit-status states",
      'converge/backup-report.ts': "systemd's Result= of the backup unit",
      'converge/backup-rows.ts': "systemd's Result= of the backup unit",
      'inspect/parse-pam.ts': "PAM's own return values in a pam.d control ([success=ok default=die])",
    };
    const synonyms = /(['"`])(success|successful|succeed|passed|failure|rolledback|rolled-back|rollback_ok|ok_rollback)\1/;
    const hits: string[] = [];
    for (const f of filesUnder(path.join(repoRoot, 'scripts'), /\.(ts|mts)$/)) {
      const rel = path.relative(path.join(repoRoot, 'scripts'), f);
      if (foreign[rel] || rel.endsWith('.generated.ts')) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (synonyms.test(line)) hits.push(`scripts/${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
