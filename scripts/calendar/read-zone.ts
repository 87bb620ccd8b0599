import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { singletonPath } from '../repo/singleton-path.ts';
import { unreadableCalendar, zoneFromCalendarText, type ZoneAnswer } from './zone.ts';

const REASONS: Record<string, string> = { EISDIR: 'it is a directory', EACCES: 'permission denied', EPERM: 'operation not permitted', ELOOP: 'too many levels of symbolic links' };

/**
 * The calendar's zone for a command that writes times without reading the whole repository (ARCHITECTURE.md, "The
 * calendar's time zone"): policies/calendar.yaml or .yml, whichever exists (both is a usage error), read as YAML.
 * DEFAULT_ZONE only when neither exists. Edge (reads the file).
 */
export async function readCalendarZone(root: string): Promise<ZoneAnswer & { file: string }> {
  const file = singletonPath(root, 'policies/calendar');
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(path.join(root, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code !== 'ENOENT') return { file, ...unreadableCalendar(file, REASONS[code] ?? (code || String(e))) };
    // A link to nothing is a calendar that cannot be read, not a repository without one.
    for (const spelling of ['policies/calendar.yaml', 'policies/calendar.yml'])
      if (
        await lstat(path.join(root, spelling)).then(
          () => true,
          () => false,
        )
      )
        return { file: spelling, ...unreadableCalendar(spelling, 'a link to nothing') };
  }
  return { file, ...zoneFromCalendarText(bytes, file) };
}
