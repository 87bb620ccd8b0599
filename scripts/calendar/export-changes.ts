import type { ChangeDocument } from '../model/documents.generated.ts';
import { text } from './ics.ts';
import type { IcsComponent } from './ics.ts';
import { calendar, eventHead, uid, type ExportContext, type IcsFile } from './export-common.ts';

/** The latest gate decision that covers a change, as the edge found it in records/gate/. */
export interface ApprovalFact {
  status: 'satisfied' | 'pending' | 'failed';
  at: string;
  pr?: number;
  summary?: string;
  /** `records/gate/…/pr-N.jsonl:LINE`. */
  record: string;
}

export type ApprovalState = 'approved' | 'pending' | 'rejected' | 'no decision';

export function approvalState(fact: ApprovalFact | undefined): ApprovalState {
  if (!fact) return 'no decision';
  return fact.status === 'satisfied' ? 'approved' : fact.status === 'failed' ? 'rejected' : 'pending';
}

/**
 * The change calendar (变更日历): every change request's window with its
 * type, risk and approval state. Approved changes are CONFIRMED, the rest
 * TENTATIVE; a cancelled change stays in the feed as CANCELLED, so a
 * subscriber's copy disappears in place rather than lingering. Pure.
 */
export function changeCalendar(ctx: ExportContext, changes: readonly { id: string; data: ChangeDocument }[], approvals: ReadonlyMap<string, ApprovalFact>): IcsFile {
  const events = changes.map(({ id, data: c }): IcsComponent => {
    const fact = approvals.get(id);
    const state = approvalState(fact);
    const cancelled = c.closure?.outcome === 'cancelled';
    const targets = [...(c.targets.hosts ?? []).map((h) => `host ${h}`), ...(c.targets.groups ?? []).map((g) => `group ${g}`)].join(', ');
    const lines = [
      `${id}: ${c.title}`,
      `Type: ${c.type}. Risk: ${c.risk}. Approval: ${state}${fact ? ` (${fact.summary ? `${fact.summary}; ` : ''}gate decision ${fact.record}${fact.pr !== undefined ? `, pull request #${fact.pr}` : ''})` : ' (no gate decision recorded yet)'}.`,
      `Targets: ${targets || 'none'}.`,
      `Requester: ${c.requester}. Implementer: ${c.implementer}.`,
      ...(c.closure ? [`Closed: ${c.closure.outcome}.`] : []),
    ];
    return {
      type: 'VEVENT',
      props: [
        ...eventHead(ctx, uid(ctx, 'change', id), Date.parse(c.window.start), Date.parse(c.window.end), `${id} [${c.risk} · ${state}] ${c.title}`),
        { name: 'DESCRIPTION', value: text(lines.join('\n')) },
        { name: 'STATUS', value: cancelled ? 'CANCELLED' : state === 'approved' ? 'CONFIRMED' : 'TENTATIVE' },
        { name: 'CATEGORIES', value: ['CHANGE', c.type.toUpperCase(), `RISK-${c.risk.toUpperCase()}`, state.toUpperCase().replace(' ', '-')].join(',') },
        { name: 'X-OPSGATE-RISK', value: c.risk },
        { name: 'X-OPSGATE-APPROVAL', value: text(state) },
        { name: 'TRANSP', value: 'OPAQUE' },
      ],
    };
  });
  return { name: 'changes.ics', content: calendar(ctx, 'opsgate: change calendar 变更日历', 'Every change request with its window, type, risk and approval state (from records/gate/).', events) };
}
