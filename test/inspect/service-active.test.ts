/**
 * service_active, pure: the `units` section parsed, and the outcome for each state systemd reports (active/inactive,
 * enabled/disabled/static/masked, an alias, a template instance, a missing unit), a host without systemd, and a
 * section that failed. Never a pass without systemd's word for it.
 */
import { describe, expect, it } from 'vitest';
import { evaluateServiceActive, unitNameOf } from '../../scripts/inspect/checks-service-active.ts';
import { factError, factOk, type HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef } from '../../scripts/inspect/model.ts';
import { parseUnits } from '../../scripts/inspect/probe-service-active.ts';

const B = 'BOUNDARYBOUNDARY0';
const OUTPUT = [
  'pid1 systemd',
  'systemd booted',
  `${B} unit-files`,
  'nginx.service                 enabled         enabled',
  'cron.service                  disabled        enabled',
  'ssh.service                   enabled         enabled',
  'sshd.service                  alias           -',
  'getty@.service                enabled         enabled',
  'systemd-journald.service      static          -',
  'telnet.service                masked          enabled',
  `${B} units`,
  'nginx.service loaded active running A high performance web server',
  'cron.service loaded inactive dead Regular background program processing daemon',
  'ssh.service loaded active running OpenBSD Secure Shell server',
  'getty@tty1.service loaded active running Getty on tty1',
  'systemd-journald.service loaded active running Journal Service',
  'telnet.service masked inactive dead telnet.service',
  `${B} aliases`,
  'sshd.service ssh.service',
  '',
].join('\n');

const facts = (units: HostFacts['units']) => ({ units }) as unknown as HostFacts;
const check = (units: string[], enabled?: boolean) =>
  ({ id: 'c', title: 'c', severity: 'high', type: 'service_active', params: { units, ...(enabled === undefined ? {} : { enabled }) } }) as unknown as CheckDef;
const on = (units: string[], enabled?: boolean) => {
  const o = evaluateServiceActive(check(units, enabled), facts(factOk(parseUnits(OUTPUT, B), 'units')));
  return [o.status, o.observed, o.reason];
};

describe('service_active', () => {
  it('parses the section: PID 1, the unit files, the loaded units and the aliases', () => {
    const u = parseUnits(OUTPUT, B);
    expect(u.pid1).toBe('systemd');
    expect(u.systemd).toBe(true);
    expect(u.files.get('cron.service')).toBe('disabled');
    expect(u.units.get('nginx.service')).toEqual({ load: 'loaded', active: 'active', sub: 'running' });
    expect(u.aliases.get('sshd.service')).toBe('ssh.service');
    expect(() => parseUnits(`pid1 systemd\nsystemd booted\n${B} unit-files\n${B} units\n`, B)).toThrow(/listed no unit/);
  });

  it.each([
    [['nginx'], undefined, ['pass', 'nginx.service active (running), enabled', '']],
    [['cron'], undefined, ['fail', 'cron.service inactive (dead), disabled', 'cron.service is inactive (dead); cron.service is disabled: it will not start at boot']],
    [['sshd'], undefined, ['pass', 'sshd.service (ssh.service) active (running), enabled', '']],
    [['getty@tty1'], undefined, ['pass', 'getty@tty1.service active (running), enabled', '']],
    [['systemd-journald'], false, ['pass', 'systemd-journald.service active (running), static', '']],
    [
      ['systemd-journald'],
      undefined,
      [
        'fail',
        'systemd-journald.service active (running), static',
        'systemd-journald.service is static: it has no [Install] section and cannot be enabled (set enabled: false if another unit pulls it in)',
      ],
    ],
    [['telnet'], undefined, ['fail', 'telnet.service inactive (dead), masked', 'telnet.service is inactive (dead); telnet.service is masked: it can be neither started nor enabled']],
    [['nginx', 'absent.socket'], undefined, ['fail', 'nginx.service active (running), enabled; absent.socket not found', 'absent.socket does not exist on the host (no unit file)']],
  ])('%j (enabled: %s)', (units, enabled, want) => {
    expect(on(units, enabled)).toEqual(want);
  });

  it('without systemd as PID 1: not_applicable, naming PID 1; a failed or missing section: error; never a pass', () => {
    const none = evaluateServiceActive(check(['nginx']), facts(factOk(parseUnits('pid1 sshd\nsystemd not-booted\n', B), 'units')));
    expect([none.status, none.observed]).toEqual(['not_applicable', "PID 1 is 'sshd'; /run/systemd/system is absent"]);
    expect(none.reason).toContain("systemd is not PID 1 on this host (PID 1 is 'sshd')");
    expect(evaluateServiceActive(check(['nginx']), facts(factError('systemctl failed with exit 4', 'units'))).status).toBe('error');
    const missing = evaluateServiceActive(check(['nginx']), facts(undefined));
    expect([missing.status, missing.reason]).toEqual(['error', "not gathered (section 'units' missing from the probe output)"]);
  });

  it('a name without a type is a service', () => {
    expect(['nginx', 'fstrim.timer', 'getty@tty1', 'a.b'].map(unitNameOf)).toEqual(['nginx.service', 'fstrim.timer', 'getty@tty1.service', 'a.b.service']);
  });
});
