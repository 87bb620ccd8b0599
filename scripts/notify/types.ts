import type { SlaDocument } from '../model/documents.generated.ts';

export type ChannelConfig = NonNullable<SlaDocument['notify']>['channels'][number];
export type ChannelType = ChannelConfig['type'];
export type NotifyConfig = NonNullable<SlaDocument['notify']>;

/** Why a notification is sent: the incident was opened, or a duty is due or overdue. */
export type Stage = 'open' | 'due' | 'overdue';

/** One message to one channel, planned before anything is sent. */
export interface PlannedNotification {
  /** `INC-2026-0042/escalation/overdue`: a duty stage is notified once per channel. */
  key: string;
  incident: string;
  level: number;
  duty: string;
  stage: Stage;
  channel: string;
  channelType: ChannelType;
  /** People (ids) the message is for. */
  recipients: string[];
  /** Per-platform ids of the recipients, for @-mentions. */
  mentions: string[];
  /** When the duty is due (ISO), absent for `open`. */
  dueAt?: string;
  /** When this notification became due to be sent (ISO): the reminder time, the due time, or the report; latency is measured from it. */
  notifyAt: string;
  message: { title: string; text: string };
  /** Pull request or issue number, for the github channel. */
  thread?: number;
}

/** An HTTP request, as data. Never logged: its URL carries the robot's token. */
export interface HttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * What a refusal that retrying cannot change is about: the channel (its URL,
 * token, signing secret, keyword or IP allow-list: every message will fail
 * until its configuration changes) or this one message (its body).
 */
export type FailureScope = 'channel' | 'message';

/** How one attempt ended, in the robot's own words. */
export type Verdict =
  { ok: true; code?: string } | { ok: false; retry: true; code: string; message: string; retryAfterMs?: number } | { ok: false; retry: false; scope: FailureScope; code: string; message: string };
