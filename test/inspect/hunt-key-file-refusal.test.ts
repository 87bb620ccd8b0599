/** keyFileRefusal (scripts/inspect/key-file-refusal.ts): when sshd ignores a keys file, from what the probe gathered. */
import { expect, it } from 'vitest';
import type { Account, KeyFileAccess } from '../../scripts/inspect/facts.ts';
import { keyFileRefusal } from '../../scripts/inspect/key-file-refusal.ts';

const deploy: Account = { name: 'deploy', uid: 1001, gid: 1001, home: '/home/deploy', shell: '/bin/bash' };
const eve: Account = { name: 'eve', uid: 1002, gid: 1001, home: '/home/eve', shell: '/bin/bash' };
const FILE = '/home/deploy/.ssh/authorized_keys';

function access(modes: Record<string, [number, number, number]>, extra: Partial<KeyFileAccess> = {}): KeyFileAccess {
  return {
    real: new Map([
      [FILE, FILE],
      ['/home/deploy', '/home/deploy'],
    ]),
    stat: new Map(Object.entries(modes).map(([p, [mode, uid, gid]]) => [p, { mode, uid, gid }])),
    unreadable: new Set(),
    ...extra,
  };
}
const SAFE: Record<string, [number, number, number]> = {
  [FILE]: [0o600, 1001, 1001],
  '/home/deploy/.ssh': [0o700, 1001, 1001],
  '/home/deploy': [0o755, 1001, 1001],
  '/home': [0o777, 0, 0],
};

it('walks the real path up to the home, and no further', () => {
  expect(keyFileRefusal(deploy, FILE, access(SAFE), true, [deploy], [])).toBeUndefined();
  expect(keyFileRefusal(deploy, FILE, access({ ...SAFE, '/home/deploy/.ssh': [0o777, 1001, 1001] }), true, [deploy], [])).toBe('StrictModes: /home/deploy/.ssh is writable by others (mode 0777)');
  expect(keyFileRefusal(deploy, FILE, access({ ...SAFE, [FILE]: [0o644, 1002, 1001] }), true, [deploy], [])).toMatch(/is owned by uid 1002, neither root nor deploy/);
});

it("a group-writable file counts while its group may be the account's own, not when another account shares it", () => {
  const gw = access({ ...SAFE, [FILE]: [0o664, 1001, 1001] });
  expect(keyFileRefusal(deploy, FILE, gw, true, [deploy], [{ name: 'deploy', gid: 1001, members: [] }])).toBeUndefined();
  expect(keyFileRefusal(deploy, FILE, gw, true, [deploy, eve], [{ name: 'deploy', gid: 1001, members: [] }])).toMatch(/writable by group 1001, not deploy's own/);
  expect(keyFileRefusal(deploy, FILE, gw, true, [deploy], [{ name: 'deploy', gid: 1001, members: ['eve'] }])).toMatch(/writable by group 1001/);
});

it('StrictModes no takes any modes; an unreadable file never counts; a path the probe did not stat counts', () => {
  expect(keyFileRefusal(deploy, FILE, access({ ...SAFE, '/home/deploy': [0o777, 1001, 1001] }), false, [deploy], [])).toBeUndefined();
  expect(keyFileRefusal(deploy, FILE, access(SAFE, { unreadable: new Set([`deploy\t${FILE}`]) }), false, [deploy], [])).toMatch(/deploy cannot read it/);
  expect(keyFileRefusal(deploy, FILE, access({}), true, [deploy], [])).toBeUndefined();
  expect(keyFileRefusal(deploy, FILE, { real: new Map(), stat: new Map(), unreadable: new Set() }, true, [deploy], [])).toBeUndefined();
});
