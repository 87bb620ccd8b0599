import { readRepo } from '../repo/read-repo.ts';
const t = performance.now();
const m = await readRepo(process.argv[2]!);
console.log(((performance.now() - t) / 1000).toFixed(2), m.documents.length, m.diagnostics.length);
