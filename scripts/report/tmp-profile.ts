import { performance } from 'node:perf_hooks';
import { readRepo } from '../repo/read-repo.ts';
import { readReportInput } from './read-input.ts';
import { buildReport } from './build-report.ts';
import { parsePeriod } from './period.ts';
import { loadTemplates, renderHtml, renderMarkdown, renderJson } from './render/render.ts';
const root = process.argv[2]!;
let t = performance.now(); let c = process.cpuUsage();
const lap = (l: string) => { const n = performance.now(); const cu = process.cpuUsage(c); console.log(l, ((n - t) / 1000).toFixed(2), 's wall', ((cu.user + cu.system) / 1e6).toFixed(2), 's cpu(all threads)', (process.memoryUsage().rss / 1e6).toFixed(0), 'MB'); t = n; c = process.cpuUsage(); };
if (process.argv[3]) { await readRepo(root); lap('readRepo'); }
const input = await readReportInput(root); lap('readReportInput');
const p = parsePeriod('2026-11', 'Asia/Shanghai')!;
const r = buildReport(input, { kind: 'audit', language: 'zh-CN', period: p, generatedAt: p.end, toolVersion: 'x' }); lap('build');
const tp = loadTemplates();
renderHtml(r, tp); lap('html');
renderMarkdown(r, tp); lap('md');
renderJson(r); lap('json');
