import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { matchKind } from '../repo/kinds.ts';
import { previousSibling } from '../records/anchor.ts';
import { GENESIS, renderRecordLine, verifyChain } from '../records/chain.ts';

/**
 * Writes a synthetic but realistic repository of about `total` documents: the
 * sample organisation (policies, baselines, people the policies name) plus
 * generated hosts, groups, people, grants, reviews, exceptions, backup policies,
 * runbooks, changes and incidents whose cross-references all resolve, whose
 * change windows sit inside the calendar's maintenance windows and never overlap
 * on a host, and whose backup policies have a passing restore test on record (today,
 * in records/backups/), so the linter does the full work and should report no error:
 * only the sample organisation's own warnings and notices.
 */
export async function generateRepo(sampleRoot: string, dir: string, total: number, now = new Date()): Promise<{ documents: number; bytes: number }> {
  for (const sub of ['schemas', 'policies', 'inventory', 'runbooks', 'changes', 'incidents']) {
    await cp(path.join(sampleRoot, sub), path.join(dir, sub), { recursive: true });
  }
  // The sample's closed changes are checked against their execution records.
  await cp(path.join(sampleRoot, 'records/changes'), path.join(dir, 'records/changes'), { recursive: true }).catch(() => undefined);
  // The sample's backup policies are checked against its restore tests (records/backups/).
  await cp(path.join(sampleRoot, 'records/backups'), path.join(dir, 'records/backups'), { recursive: true }).catch(() => undefined);
  const sampleDocs = await countDocuments(dir);
  const n = Math.max(0, total - sampleDocs);
  const count = (share: number, min: number) => Math.max(min, Math.round(n * share));
  const c = {
    groups: count(0.01, 4),
    people: count(0.03, 10),
    hosts: count(0.25, 12),
    grants: count(0.08, 4),
    reviews: count(0.005, 1),
    backups: count(0.002, 1),
    exceptions: count(0.02, 2),
    runbooks: count(0.05, 5),
    changes: count(0.3, 10),
    incidents: 0,
  };
  c.incidents = Math.max(1, n - Object.values(c).reduce((a, b) => a + b, 0));

  const files: [string, string][] = [];
  const put = (rel: string, schema: string, body: string) => files.push([rel, `# yaml-language-server: $schema=${'../'.repeat(rel.split('/').length - 1)}schemas/${schema}.schema.json\n${body}`]);
  const pad = (i: number, w = 5) => String(i).padStart(w, '0');
  const person = (i: number) => `p-${pad(i % c.people)}`;
  const group = (i: number) => `g-${pad(i % c.groups)}`;
  const host = (i: number) => `h-${pad(i % c.hosts)}`;
  const runbook = (i: number) => `rb-${pad(i % c.runbooks)}`;
  const groupEnv = (g: number) => (g % 3 === 0 ? 'staging' : 'prod');
  const hostGroup = (h: number) => {
    // hosts of prod groups are prod, of staging groups staging
    const g = h % c.groups;
    return { g, env: groupEnv(g) };
  };
  const seqId = (prefix: string, i: number) => `${prefix}-${2027 + Math.floor(i / 9000)}-${pad((i % 9000) + 1, 4)}`;

  for (let i = 0; i < c.people; i++) {
    const blob = sshEd25519Blob();
    const b64 = blob.toString('base64');
    const fp = 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
    put(
      `policies/access/people/${person(i)}.yaml`,
      'person',
      `id: ${person(i)}\nname: 员工${i}\ngithub: user${i}-yf\nemail: user${i}@yunfan-tech.cn\nteam: ops\nstatus: active\nssh_keys:\n  - fingerprint: "${fp}"\n    public_key: ssh-ed25519 ${b64} ${person(i)}@yunfan-tech.cn\n    expires: 2028-06-30T23:59:59+08:00\n`,
    );
  }
  for (let g = 0; g < c.groups; g++) {
    put(
      `inventory/groups/${group(g)}.yaml`,
      'group',
      `id: ${group(g)}\ntitle: 业务集群 ${g}\ndescription: 自动生成的基准测试分组，包含同一业务线的一组服务器。\nowners:\n  - ${person(g)}\n  - ${person(g + 1)}\nenv: ${groupEnv(g)}\n`,
    );
  }
  for (let h = 0; h < c.hosts; h++) {
    const { g, env } = hostGroup(h);
    const crit = env === 'prod' ? (h % 17 === 0 ? 'critical' : 'high') : 'low';
    put(
      `inventory/hosts/${host(h)}.yaml`,
      'host',
      `id: ${host(h)}\ndescription: 基准测试服务器 ${h}（${env}）\naddress: 10.${120 + (h >> 16)}.${(h >> 8) & 255}.${h & 255}\nport: 22\nuser: opsgate\nhost_keys:\n  - ssh-ed25519 ${sshEd25519Blob().toString('base64')}\njump_host: bastion-01\ngroups:\n  - ${group(g)}\nenv: ${env}\ncriticality: ${crit}\nowner_team: ops\nos: debian-12\nservices:\n  - nginx\n  - node-exporter\nbackup_repositories:\n  - policy: bp-${pad(h % c.backups)}\n    repository: sftp:backup-01:/srv/restic/bp-${pad(h % c.backups)}\n    password_env: RESTIC_PASSWORD_BP\n`,
    );
  }
  for (let i = 0; i < c.backups; i++) {
    put(
      `policies/backup/bp-${pad(i)}.yaml`,
      'backup-policy',
      `id: bp-${pad(i)}\ntitle: 业务数据备份 ${i}\ntargets:\n  groups: [${group(i)}]\npaths:\n  - /srv/data\n  - /etc\ntool: restic\nrepository:\n  url: sftp:backup-01:/srv/restic/bp-${pad(i)}\n  password_env: RESTIC_PASSWORD_BP\noffhost:\n  host: backup-01\nencryption: true\nschedule:\n  full: "0 2 * * 0"\n  incremental: "0 2 * * 1-6"\nretention:\n  keep_daily: 14\n  keep_weekly: 8\n  keep_monthly: 12\nrpo_hours: 24\nrto_hours: 4\nverification:\n  restore_test_every_days: 30\n`,
    );
  }
  const grantIds: string[] = [];
  for (let i = 0; i < c.grants; i++) {
    const id = `gr-${pad(i)}`;
    grantIds.push(id);
    put(
      `policies/access/grants/${id}.yaml`,
      'grant',
      `id: ${id}\nperson: ${person(i)}\nrole: ${['ops-admin', 'dba', 'readonly', 'deployer'][i % 4]}\ngroups:\n  - ${group(i)}\ngranted_on: 2026-06-01\nexpires: 2027-05-31T23:59:59+08:00\njustification: 负责该业务集群的日常运维与发布，按季度复核。\napproved_by: ${person(i + 1)}\nticket: OPS-2026-${pad(i, 5)}\n`,
    );
  }
  for (let i = 0; i < c.reviews; i++) {
    const reviewed = grantIds.slice((i * 20) % Math.max(1, grantIds.length), ((i * 20) % Math.max(1, grantIds.length)) + 20);
    put(
      `policies/access/reviews/rv-${pad(i)}.yaml`,
      'access-review',
      `id: rv-${pad(i)}\nperiod: 2026-Q4\nreviewer: ${person(i)}\nperformed_on: 2026-11-20\ndue: 2026-12-31\nscope:\n  groups: [${group(i)}]\ngrants_reviewed:\n${reviewed.map((g) => `  - ${g}\n`).join('')}findings:\n  - grant: ${reviewed[0] ?? 'gr-00000'}\n    note: 权限与岗位一致。\n    action: 保持。\n`,
    );
  }
  for (let i = 0; i < c.exceptions; i++) {
    put(
      `policies/exceptions/ex-${pad(i)}.yaml`,
      'exception',
      `id: ex-${pad(i)}\nrule: ${i % 2 ? 'ssh.weak-ciphers' : 'login.pass-max-days'}\nscope:\n  hosts: [${host(i)}]\nowner: ${person(i)}\napprover: ${person(i + 2)}\nticket: SEC-2026-${pad(i)}\nreason: 旧版客户端兼容性原因暂时豁免，升级完成后取消。\ncreated: 2026-09-01\nexpires: 2027-06-30T23:59:59+08:00\n`,
    );
  }
  for (let i = 0; i < c.runbooks; i++) {
    const body = `# 基准测试手册 ${i}\n\n## 适用范围\n业务集群 ${group(i)} 的日常操作。\n\n## 步骤\n${Array.from({ length: 12 }, (_, k) => `${k + 1}. 第 ${k + 1} 步：检查服务状态 \`systemctl status nginx\`，记录结果并与基线比对。`).join('\n')}\n\n## 回退\n按变更单的 rollback 执行，并通知值班负责人。\n`;
    files.push([
      `runbooks/${runbook(i)}.md`,
      `---\nid: ${runbook(i)}\ntitle: 基准测试操作手册 ${i}\nowner: ${person(i)}\nreview_every_days: 365\nlast_reviewed: 2026-10-01\napplies_to:\n  groups: [${group(i)}]\n  services: [nginx]\ntags: [基准, 运维]\n---\n${body}`,
    ]);
  }
  const prodDates = tueThu(new Date(Date.UTC(2027, 5, 1)), Math.ceil(c.changes / c.hosts) + 1);
  for (let i = 0; i < c.changes; i++) {
    const h = i % c.hosts;
    const k = Math.floor(i / c.hosts);
    const { env } = hostGroup(h);
    const day = prodDates[k]!;
    const win = env === 'prod' ? { start: `${day}T22:30:00+08:00`, end: `${day}T23:30:00+08:00` } : { start: `${day}T10:00:00+08:00`, end: `${day}T11:00:00+08:00` };
    const id = seqId('CHG', i);
    put(
      `changes/${id.slice(4, 8)}/${id}.yaml`,
      'change',
      `id: ${id}\ntitle: 基准测试变更 ${i}：更新 Nginx 安全配置\ntype: normal\nrisk: ${env === 'prod' ? 'high' : 'low'}\nrequester: ${person(i)}\nimplementer: ${person(i + 1)}\npurpose: 按安全基线要求更新 Nginx 配置并平滑重载，验证响应头。\nimpact:\n  description: 平滑重载，不中断连接。\n  services: [nginx]\n  expected_downtime_minutes: 0\n  users_affected: 无\ntargets:\n  hosts: [${host(h)}]\nwindow:\n  start: ${win.start}\n  end: ${win.end}\nprechecks:\n  - id: nginx-active\n    argv: [systemctl, is-active, nginx]\n    expect:\n      stdout_contains: active\nsteps:\n  - id: upload\n    kind: upload\n    source: inventory/files/nginx-security-headers.conf\n    dest: /etc/nginx/conf.d/security-headers.conf\n    mode: "0644"\n  - id: test\n    kind: run\n    argv: [nginx, -t]\n    sudo: true\n  - id: reload\n    kind: run\n    argv: [systemctl, reload, nginx]\n    sudo: true\nverification:\n  - id: header\n    argv: [curl, -sI, http://127.0.0.1/]\n    expect:\n      stdout_contains: X-Frame-Options\nrollback:\n  - id: remove\n    kind: run\n    argv: [rm, -f, /etc/nginx/conf.d/security-headers.conf]\n    sudo: true\n  - id: reload-back\n    kind: run\n    argv: [systemctl, reload, nginx]\n    sudo: true\nrollout:\n  canary: 1\n  batch_size: 1\n  max_failures: 0\ntest_evidence:\n  summary: 预发布环境验证通过。\nrelated:\n  runbooks: [${runbook(i)}]\n`,
    );
  }
  // Incidents are the sample's own, each copied under a new id: their duties (escalations,
  // notifications, the handling cycle) are what the incident rules check. Left out: an
  // incident a change caused (that change's closure would have to list every copy), one
  // with approved deviations (a warning by design) and one still open (every shift
  // handover would have to list every copy; the sample's own open incident stays).
  const sampleIncidents = await readSampleIncidents(sampleRoot);
  for (let i = 0; i < c.incidents; i++) {
    const id = seqId('INC', i);
    const sample = sampleIncidents[i % sampleIncidents.length]!;
    files.push([`incidents/${id.slice(4, 8)}/${id}.yaml`, sample.text.replace(/^id: .*$/m, `id: ${id}`)]);
  }

  await recordRestoreTests(
    dir,
    now,
    Array.from({ length: c.backups }, (_, i) => ({
      policy: `bp-${pad(i)}`,
      hosts: Array.from({ length: c.hosts }, (_, h) => h)
        .filter((h) => h % c.groups === i % c.groups)
        .map(host),
    })),
  );

  const dirs = new Set(files.map(([rel]) => path.dirname(path.join(dir, rel))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < files.length; i += 256) {
    await Promise.all(
      files.slice(i, i + 256).map(([rel, text]) => {
        bytes += Buffer.byteLength(text);
        return writeFile(path.join(dir, rel), text);
      }),
    );
  }
  return { documents: sampleDocs + files.length, bytes };
}

async function readSampleIncidents(sampleRoot: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const year of (await readdir(path.join(sampleRoot, 'incidents'))).filter((y) => /^\d{4}$/.test(y)).sort()) {
    // incidents/handovers/ holds handovers
    for (const name of (await readdir(path.join(sampleRoot, 'incidents', year))).sort()) {
      const text = await readFile(path.join(sampleRoot, 'incidents', year, name), 'utf8');
      if (!/^(caused_by_change|deviations):/m.test(text) && /^status: closed$/m.test(text)) out.push({ file: `incidents/${year}/${name}`, text });
    }
  }
  if (out.length === 0) throw new Error('the sample organisation has no incident the benchmark can copy');
  return out;
}

/**
 * One passing restore test per generated policy and target host, appended as
 * `opsgate backup verify --restore-test --record` would (records/backups/YYYY-MM.jsonl,
 * hash-chained onto the sample's lines of the month, or anchored to the file before
 * it), without its fsync per line.
 */
async function recordRestoreTests(dir: string, now: Date, runs: { policy: string; hosts: string[] }[]): Promise<void> {
  const folder = path.join(dir, 'records/backups');
  await mkdir(folder, { recursive: true });
  const name = `${now.toISOString().slice(0, 7)}.jsonl`;
  const existing = await readFile(path.join(folder, name), 'utf8').catch(() => '');
  let head = GENESIS;
  let seq = 0;
  let anchor: { file: string; lines: number; head: string } | undefined;
  if (existing) {
    const v = verifyChain(existing);
    if (!v.ok) throw new Error(`the sample's records/backups/${name} does not verify: ${v.problems[0]!.message}`);
    head = v.head;
    seq = v.lines.length;
  } else {
    const prev = previousSibling(await readdir(folder), name);
    const v = prev ? verifyChain(await readFile(path.join(folder, prev), 'utf8')) : undefined;
    if (prev && v?.ok && v.lines.length > 0) anchor = { file: prev, lines: v.lines.length, head: v.head };
  }
  const at = now.toISOString();
  const run_id = `BKV-bench-${now.getTime().toString(36)}`;
  const lines: string[] = [];
  const append = (event: { type: string; [k: string]: unknown }) => {
    const r = renderRecordLine(head, seq + 1, seq === 0 && anchor ? { at, ...event, anchor } : { at, ...event });
    lines.push(r.text);
    head = r.hash;
    seq += 1;
  };
  const hosts = runs.flatMap((r) => r.hosts);
  append({ type: 'backup.verify.started', run_id, scope: { policies: runs.map((r) => r.policy), hosts, restore_test: 'all' } });
  for (const r of runs) {
    for (const host of r.hosts) {
      const repository = `sftp:backup-01:/srv/restic/${r.policy}`;
      append({
        type: 'backup.restore_test',
        run_id,
        policy: r.policy,
        host,
        executor: host,
        repository,
        status: 'pass',
        files_expected: 2,
        files_restored: 2,
        bytes_expected: 4096,
        mismatches: [],
        mismatch_count: 0,
        reason: '',
        content: 'pass',
        snapshot_id: 'bench0001',
        snapshot_time: at,
        sample_paths: ['/srv/data', '/etc'],
        duration_ms: 500,
        rto_hours: 4,
        rto_met: true,
        scratch_removed: true,
        evidence: 'synthetic (bench:lint generator)',
      });
    }
  }
  const n = hosts.length;
  const none = { pass: 0, fail: 0, error: 0 };
  append({ type: 'backup.verify.completed', run_id, summary: { checks: none, snapshots: none, retention: none, restore_tests: { ...none, pass: n } } });
  await writeFile(path.join(folder, name), existing + lines.map((l) => l + '\n').join(''));
}

/** An OpenSSH ssh-ed25519 public key blob with a random key. */
function sshEd25519Blob(): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const len = (b: Buffer) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return l;
  };
  const key = randomBytes(32);
  return Buffer.concat([len(type), type, len(key), key]);
}

/** The first `count` Tuesdays and Thursdays from `from` (UTC dates, YYYY-MM-DD), skipping none: the caller keeps them clear of holidays. */
function tueThu(from: Date, count: number): string[] {
  const out: string[] = [];
  for (const d = new Date(from); out.length < count; d.setUTCDate(d.getUTCDate() + 1)) {
    const wd = d.getUTCDay();
    if (wd === 2 || wd === 4) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** Documents already in the copied sample (it grows as the sample organisation does). */
async function countDocuments(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && matchKind(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))).length;
}
