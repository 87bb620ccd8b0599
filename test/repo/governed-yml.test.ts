import { describe, expect, it } from 'vitest';
import { strayFileDiagnostic } from '../../scripts/repo/governed.ts';

/**
 * Lint reads every YAML kind spelled .yaml or .yml (scripts/repo/kinds.ts), and a team keeps one spelling. The hint of
 * a stray file speaks the spelling of the file it is about: a team whose stray is policies/calender.yml (its calendar is
 * policies/calendar.yml) is not told to create policies/calendar.yaml, which beside its calendar.yml would make two
 * calendars (ARCHITECTURE.md, "The policy and the calendar in either spelling lint reads": both at once fail closed).
 */
const SINGLETON_YAML = /policies\/(calendar|approval|organisation|sla|oncall)\.yaml/;

describe('the hint of a stray .yml file names .yml places', () => {
  it.each([
    ['policies/calender.yml', 'did you mean policies/calendar.yml?'],
    ['policies/organization.yml', 'did you mean policies/organisation.yml?'],
    ['policies/baseline/ssh.yml', 'did you mean policies/baselines/ssh.yml?'],
    ['changes/2026/CHG-2026-0001.YML', 'did you mean changes/2026/CHG-2026-0001.yml?'],
  ])('%s → %s', (rel, hint) => {
    const d = strayFileDiagnostic(rel);
    expect(d.hint).toContain(hint);
    expect(d.hint).not.toMatch(SINGLETON_YAML);
  });

  it('the singletons listed under policies/ are named in the stray file’s spelling', () => {
    const d = strayFileDiagnostic('policies/zz-notes.yml');
    expect(d.hint).toContain('policies/organisation.yml, policies/approval.yml, policies/calendar.yml, policies/sla.yml, policies/oncall.yml');
    expect(d.hint).not.toMatch(SINGLETON_YAML);
  });

  it('a .yaml stray, and a Markdown one, are still told .yaml', () => {
    expect(strayFileDiagnostic('policies/calender.yaml').hint).toContain('did you mean policies/calendar.yaml?');
    expect(strayFileDiagnostic('policies/zz-notes.yaml').hint).toContain('policies/calendar.yaml, policies/sla.yaml');
    expect(strayFileDiagnostic('policies/calender.md').hint).toContain('did you mean policies/calendar.yaml?');
  });
});
