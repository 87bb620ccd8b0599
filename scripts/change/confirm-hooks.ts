/** The commit-confirmation hooks apply's hosts use (scripts/remote/commit-confirm.ts). Edge. */
import { armConfirmation, confirmFresh, confirmRetrySeconds, confirmId, type ReloadKind } from '../remote/commit-confirm.ts';
import type { SshAuth, SshTarget } from '../ssh/types.ts';
import type { ConfirmHooks } from './run-host.ts';

export function makeConfirmHooks(o: {
  targets: readonly SshTarget[];
  auth: SshAuth;
  secrets: string[];
  scope: string;
  run: string;
  seconds: number;
  sleep?: (ms: number) => Promise<void>;
}): ConfirmHooks {
  return {
    async arm(host, session, actions) {
      const files = [...new Set(actions.flatMap((a) => a.confirm?.files ?? []))];
      const reload = [...new Set(actions.flatMap((a) => a.confirm?.reload ?? []))] as ReloadKind[];
      const id = confirmId(o.scope, o.run, host);
      const r = await armConfirmation(session, { id, seconds: o.seconds, reload, files });
      return r.ok ? { ok: true, id } : { ok: false, why: r.why };
    },
    // The inventory's word only: the host's `id -u` (execute.ts, step-guard.ts loginIsRoot) can add the guard to every step, never this.
    guard: (host) => ({ prefix: confirmId(o.scope, o.run, host), seconds: o.seconds, loginRoot: o.targets.find((t) => t.id === host)?.user === 'root' }),
    async confirm(host, id) {
      const target = o.targets.find((t) => t.id === host);
      if (!target) return { confirmed: false, reverted: false, why: `${host} is not a target`, ms: 0 };
      const r = await confirmFresh(target, { auth: o.auth, secrets: o.secrets }, id, {
        waitSeconds: o.seconds + 60,
        retrySeconds: confirmRetrySeconds(o.seconds),
        ...(o.sleep ? { sleep: o.sleep } : {}),
      });
      return r.confirmed ? { confirmed: true, ms: r.confirmMs } : { confirmed: false, reverted: r.reverted, why: r.why, ms: r.confirmMs };
    },
  };
}
