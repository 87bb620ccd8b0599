import type { Diagnostic } from '../model/diagnostic.ts';
import { configFingerprint } from '../notify/channel-state.ts';
import { at, type RuleInput } from './rule-context.ts';

/**
 * Notification channels that refused for good (a wrong token, signature,
 * keyword or allow-list) and whose entry in policies/sla.yaml has not
 * changed since: `incidents watch` sends nothing to them, so the duties
 * routed there reach nobody on that channel. A warning, located at the
 * channel: it must not block unrelated pull requests, and a changed secret
 * (which lint cannot see) may already have fixed it. Pure: the edge reads the
 * refusals from records/notifications/.
 */
export function checkNotifyChannels({ repo, notificationBlocks }: RuleInput): Diagnostic[] {
  const sla = repo.one('sla');
  if (!sla?.data.notify || !notificationBlocks?.size) return [];
  const out: Diagnostic[] = [];
  sla.data.notify.channels.forEach((ch, i) => {
    const b = notificationBlocks.get(ch.id);
    if (!b || b.fingerprint.config !== configFingerprint(ch)) return;
    const secrets = [ch.url_env, ch.secret_env].filter(Boolean).join(', ');
    out.push(
      at(
        sla,
        `/notify/channels/${i}`,
        'notify.channel-disabled',
        `channel '${ch.id}' (${ch.type}) refused for good at ${b.at} (${b.code}: ${b.message}); incidents watch sends it nothing until its configuration changes`,
        `fix the cause (${secrets ? `the secret${secrets.includes(',') ? 's' : ''} ${secrets}, ` : ''}the keyword, the robot's IP allow-list): a changed entry here or a changed secret lets watch try again; after fixing the robot itself, run opsgate incidents watch --retry-channel ${ch.id}`,
        'warning',
      ),
    );
  });
  return out;
}
