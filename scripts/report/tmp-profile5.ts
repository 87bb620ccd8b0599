import { readRepo } from '../repo/read-repo.ts';
const m = await readRepo(process.argv[2]!);
const c = new Map<string, number>();
for (const d of m.diagnostics) { const k = d.file.split('/').slice(0, 2).join('/') + ' ' + d.code + ' ' + d.message.slice(0, 80); c.set(k, (c.get(k) ?? 0) + 1); }
console.log([...c.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20));
