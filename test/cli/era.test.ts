/**
 * Dates, months, years and instants given on the command line name 1970 or later
 * (scripts/model/era.ts). Found by sweeping the bin: `report monthly --period
 * 0000-01` exited 3 (its trend months run before year 1, which has no ISO month).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { is } from '../../scripts/commands/args.ts';
import { isPeriodId } from '../../scripts/report/period.ts';
import { capture } from '../helpers/capture.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

describe('the era of date arguments', () => {
  it.each([
    ['month', '0000-01'],
    ['month', '1969-12'],
    ['date', '0099-06-30'],
    ['year', '0001'],
    ['instant', '0000-01-01T00:00:00Z'],
    ['time', '1969-12-31T23:59'],
  ] as const)('%s %s is refused, naming the first year', (check, value) => {
    expect(is[check](value)).toMatch(/1970/);
  });

  it.each([
    ['month', '1970-01'],
    ['date', '1970-01-01'],
    ['year', '2026'],
    ['instant', '2026-12-01T00:00:00+08:00'],
    ['time', '2026-12-01T09:30'],
  ] as const)('%s %s is accepted', (check, value) => {
    expect(is[check](value)).toBeUndefined();
  });

  it('report periods follow the same era', () => {
    expect(isPeriodId('0000-01')).toBe(false);
    expect(isPeriodId('1970-01')).toBe(true);
  });

  it.each([[['report', 'monthly', '--period', '0000-01', '--out', 'never-written']], [['--now', '0001-01-01T00:00:00+08:00', 'lint']]])(
    '%j exits 2 with the reason, not an internal error',
    async (argv) => {
      const out = capture();
      const err = capture();
      const code = await runCli(argv, { cwd: repoRoot, env: {}, stdout: out.stream, stderr: err.stream });
      expect(err.text()).not.toMatch(/internal error/);
      expect(err.text()).toMatch(/1970/);
      expect(code).toBe(2);
    },
  );
});
