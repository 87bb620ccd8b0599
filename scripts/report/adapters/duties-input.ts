/**
 * What the duties section reads beyond the report's own adapters: the shift
 * handover documents and the events of records/notifications/. A record
 * file whose chain is broken gives only the lines before its first problem
 * (the integrity section lists the problem; the report's reader pins the file
 * in the evidence manifest). Edge.
 */
import type { RepoModel } from '../../repo/repo-model.ts';
import { readNotificationEvents } from '../../notify/records.ts';
import type { NotificationEventRow } from '../metrics/duties.ts';
import type { ReportInput } from '../types.ts';
import { minOf } from '../../model/append.ts';

export async function readDutiesInput(root: string, model: RepoModel): Promise<Pick<ReportInput, 'handovers' | 'notifications'>> {
  const files = await readNotificationEvents(root);
  const notifications: NotificationEventRow[] = [];
  for (const f of files) {
    const firstBad = f.problems.length ? minOf(f.problems.map((p) => p.line)) : Infinity;
    for (const l of f.lines) {
      if (l.seq >= firstBad || typeof l.key !== 'string' || typeof l.channel !== 'string') continue;
      notifications.push({ path: f.path, at: l.at, type: l.type, key: l.key, channel: l.channel, ...(typeof l.latency_ms === 'number' ? { latency_ms: l.latency_ms } : {}) });
    }
  }
  return { handovers: model.all('handover').map((d) => ({ id: d.id, file: d.file, sha256: d.sha256, data: d.data })), notifications };
}
