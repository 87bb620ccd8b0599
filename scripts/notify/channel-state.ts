import { createHash } from 'node:crypto';
import type { ChannelSecrets } from './requests.ts';
import type { ChannelConfig } from './types.ts';

/**
 * A channel's configuration as watch last tried it: its entry in
 * policies/sla.yaml, and its secrets (URL with token, signing secret) from the
 * environment. Both are one-way digests cut to 64 bits: enough to notice a
 * change, never enough to recover a value, so they may sit in the records.
 */
export interface ChannelFingerprint {
  config: string;
  secrets: string;
}

/** A channel's last refusal that retrying cannot change (wrong token, signature, keyword, allow-list): nothing is sent to it until its configuration changes. */
export interface ChannelBlock {
  /** When the refusal was recorded (the record's `at`). */
  at: string;
  key: string;
  code: string;
  message: string;
  fingerprint: ChannelFingerprint;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** The digest of a channel's policy entry; lint computes it too, from the document alone. Pure. */
export function configFingerprint(ch: ChannelConfig): string {
  return digest(`opsgate.notify.channel.config\n${JSON.stringify(canonical(ch))}`);
}

/** The channel's fingerprint with the secrets this run sees (absent ones count as absent). Pure. */
export function channelFingerprint(ch: ChannelConfig, secrets: ChannelSecrets): ChannelFingerprint {
  return { config: configFingerprint(ch), secrets: digest(`opsgate.notify.channel.secrets\n${secrets.url ?? '\u0000unset'}\n${secrets.secret ?? '\u0000unset'}`) };
}

export function sameFingerprint(a: ChannelFingerprint | undefined, b: ChannelFingerprint | undefined): boolean {
  return !!a && !!b && a.config === b.config && a.secrets === b.secrets;
}
