import { describe, expect, it } from 'vitest';
import { flag, passwordStdin, renderRestic, resticArgv, RESTIC_WITH_PASSWORD, snapshotOperand } from '../../scripts/backup/restic.ts';
import { restoreTestArgv, splitScriptSections } from '../../scripts/backup/restore-script.ts';

describe('restic invocation', () => {
  it('puts every value in its own argument, the repository as --repo=VALUE, and never the password', () => {
    const r = renderRestic({ repository: 'sftp:backup-01:/srv/restic/db mysql', passwordEnv: 'RESTIC_PASSWORD_DB' }, 'snapshots', ['--json', flag('--host', 'db-01'), flag('--tag', 'db-mysql')]);
    expect(r.argv).toEqual([
      'sh',
      '-c',
      RESTIC_WITH_PASSWORD,
      'opsgate-restic',
      'restic',
      '--repo=sftp:backup-01:/srv/restic/db mysql',
      '--no-cache',
      'snapshots',
      '--json',
      '--host=db-01',
      '--tag=db-mysql',
    ]);
    expect(r.sudo).toBe(true);
    expect(r.command).toBe(
      `sudo -n -- sh -c '${RESTIC_WITH_PASSWORD.replace(/'/g, `'\\''`)}' opsgate-restic restic '--repo=sftp:backup-01:/srv/restic/db mysql' --no-cache snapshots --json --host=db-01 --tag=db-mysql`,
    );
    expect(r.command).not.toMatch(/RESTIC_PASSWORD=/);
  });

  it('reads the password from stdin, exports it for restic only and refuses to run without it', () => {
    expect(RESTIC_WITH_PASSWORD).toMatch(/^IFS= read -r RESTIC_PASSWORD \|\|/);
    expect(RESTIC_WITH_PASSWORD).toMatch(/unset RESTIC_PASSWORD_FILE RESTIC_PASSWORD_COMMAND/);
    expect(passwordStdin('s3cret')).toBe('s3cret\n');
    expect(() => passwordStdin('two\nlines')).toThrow(/line break/);
  });

  it.each([
    ['a repository that reads as an option', () => resticArgv('-o=sftp.command=evil', 'snapshots', [])],
    ['a repository with a line break', () => resticArgv('/srv/a\n--no-lock', 'snapshots', [])],
    ['a subcommand that is not a word', () => resticArgv('/srv/r', 'snapshots; rm', [])],
    ['a flag value with a line break', () => flag('--host', 'a\nb')],
    ['a snapshot id that is not hex', () => snapshotOperand('--all')],
  ])('refuses %s', (_what, fn) => {
    expect(fn).toThrow(TypeError);
  });

  it('renders the restore test as a constant script with data in "$1"…', () => {
    const argv = restoreTestArgv('OGR-0123456789abcdef', '/srv/r', 'a1b2c3d4', '/var/tmp', ['/etc/nginx', "/srv/it's here"]);
    expect(argv.slice(3)).toEqual(['opsgate-restore-test', 'OGR-0123456789abcdef', '/srv/r', 'a1b2c3d4', '/var/tmp', '/etc/nginx', "/srv/it's here"]);
    expect(argv[2]).not.toContain('/etc/nginx');
    expect(() => restoreTestArgv('OGR-0123456789abcdef', '/srv/r', 'a1b2c3d4', 'tmp', ['/etc'])).toThrow(/absolute/);
    expect(() => restoreTestArgv('OGR-0123456789abcdef', '-x', 'a1b2c3d4', '/tmp', ['/etc'])).toThrow(/cannot be passed/);
  });

  it('splits the script output into sections, a cut section with status -1', () => {
    const B = 'OGR-0123456789abcdef';
    const out = `${B} begin scratch\n/var/tmp/x\n${B} end scratch 0\n${B} begin listing\n{"a":1}\n{"b":2}\n${B} end listing 1\n${B} begin restore\nrestoring…`;
    const s = splitScriptSections(out, B);
    expect([...s.values()]).toEqual([
      { name: 'scratch', status: 0, text: '/var/tmp/x' },
      { name: 'listing', status: 1, text: '{"a":1}\n{"b":2}' },
      { name: 'restore', status: -1, text: 'restoring…' },
    ]);
  });
});
