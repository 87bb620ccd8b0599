import { describe, expect, it } from 'vitest';
import { createFormatter } from '../../scripts/report/render/format.ts';

const t = (key: string) => key;
const fmt = createFormatter('en', 'Asia/Shanghai', {}, t, () => false);

describe('values quoted from records', () => {
  it('timestamps inside quoted text are shown in the report zone, to the minute, without milliseconds', () => {
    expect(fmt.stamps('db-mysql: newest 2026-11-13T18:00:00.000Z (390.5 h old), 21 snapshots')).toBe('db-mysql: newest 2026-11-14 02:00 (390.5 h old), 21 snapshots');
    expect(fmt.stamps('from 2026-11-30T08:30:10.276+08:00 to 2026-11-30T01:00Z')).toBe('from 2026-11-30 08:30 to 2026-11-30 09:00');
  });
  it('text without a timestamp, and a bare date, are left as written', () => {
    expect(fmt.stamps('running 1; persisted 0 (/etc/sysctl.d/60-hardening.conf)')).toBe('running 1; persisted 0 (/etc/sysctl.d/60-hardening.conf)');
    expect(fmt.stamps('expires 2026-12-20')).toBe('expires 2026-12-20');
  });
});
