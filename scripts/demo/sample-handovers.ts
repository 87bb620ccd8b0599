/**
 * `npm run sample:handovers`: writes the sample organisation's November 2026
 * shift handovers (incidents/handovers/2026/) by running the real commands with an
 * injected clock — `opsgate handover new` at each boundary of the primary
 * rotation (pre-filled from the incidents, changes and inspection records in
 * this repository), a note from the outgoing person, and `opsgate handover ack`
 * by the incoming person a few minutes later. One boundary (2026-11-14 20:00)
 * is left without a handover on purpose: the November report shows it.
 * Existing handover files of November are replaced. Deterministic, given
 * the records: the checks each handover lists come from the inspection
 * records, so `npm run sample:records` runs this after replacing records/
 * (test/demo/sample-handovers.test.ts checks the committed files agree).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { handoverCommand } from '../commands/handover.ts';
import type { CommandContext } from '../commands/context.ts';
import { shiftBoundaries } from '../handover/boundaries.ts';
import { setScalar } from '../incident/yaml-edit.ts';
import { readRepo } from '../repo/read-repo.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ZONE = 'Asia/Shanghai';
export const MISSING = 'HO-2026-11-14-2000';
const NOTES = [
  '本班平稳，无告警升级；巡检结果已看过。',
  '夜间有两次磁盘告警自动恢复，已确认非故障。',
  '白天配合开发排查慢查询，无遗留。',
  '备份任务正常完成，恢复演练记录已归档。',
  '双十一保障期间，请关注支付回调与数据库连接数。',
  '监控大盘无异常；值班电话已转接。',
];

async function run(root: string, argv: string[], at: string): Promise<string> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(c, _e, cb) {
        f(String(c));
        cb();
      },
    });
  const ctx: CommandContext = { argv, root, env: {}, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), now: () => new Date(at), debug: false };
  const code = await handoverCommand(ctx);
  if (code !== 0) throw new Error(`opsgate handover ${argv.join(' ')} → ${code}\n${out}${err}`);
  return out;
}

/** Rewrites November's handovers under root from its records, incidents and rota; returns how many were written. */
export async function writeSampleHandovers(root: string, say: (text: string) => void = () => {}): Promise<number> {
  const dir = path.join(root, 'incidents/handovers/2026');
  for (const f of (await readdir(dir).catch(() => [] as string[])).filter((x) => x.startsWith('HO-2026-11-'))) await rm(path.join(dir, f));
  const oncall = (await readRepo(root)).one('oncall')!.data;
  const boundaries = shiftBoundaries(oncall, 'primary', Date.parse('2026-11-02T20:00:00+08:00'), Date.parse('2026-11-30T20:00:00+08:00'), ZONE);
  let n = 0;
  for (const b of boundaries) {
    if (b.id === MISSING) continue;
    const iso = (ms: number) => new Date(ms).toISOString();
    say(await run(root, ['new', '--at', iso(b.at)], iso(b.at - 5 * 60_000)));
    const file = path.join(dir, `${b.id}.yaml`);
    await writeFile(file, setScalar(await readFile(file, 'utf8'), 'notes', NOTES[n % NOTES.length]!));
    say(await run(root, ['ack', b.id, '--by', b.incoming, '--at', iso(b.at + (3 + ((n * 7) % 17)) * 60_000)], iso(b.at + 30 * 60_000)));
    n++;
  }
  return n;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const n = await writeSampleHandovers(ROOT, (t) => process.stdout.write(t));
  process.stdout.write(`${n} handovers written, ${MISSING} left out on purpose\n`);
}
