import type { IncidentDocument } from '../model/documents.generated.ts';

/**
 * An incident as its record stood at `at`: what happened later is left out
 * (acknowledgement, analysis, resolution, closure, entries of the chain),
 * and the status is the one it then had. Used to replay a month of
 * `incidents watch` for the sample records; undefined before detection. Pure.
 */
export function incidentAsOf(i: IncidentDocument, at: number): IncidentDocument | undefined {
  if (Date.parse(i.detected_at) > at) return undefined;
  const before = (s: string | undefined) => s !== undefined && Date.parse(s) <= at;
  const out: IncidentDocument = { ...i };
  for (const k of ['acknowledged_at', 'analysed_at', 'mitigated_at', 'resolved_at', 'closed_at'] as const) if (!before(out[k])) delete out[k];
  if (out.reported_at && !before(out.reported_at)) out.reported_at = out.detected_at;
  if (out.verification && !before(out.verification.at)) delete out.verification;
  if (out.feedback && !before(out.feedback.at)) delete out.feedback;
  if (out.report && !before(out.report.submitted_at)) delete out.report;
  if (out.escalations) out.escalations = out.escalations.filter((e) => before(e.at));
  if (out.notifications) out.notifications = out.notifications.filter((n) => before(n.at));
  if (out.vendor_engagements) out.vendor_engagements = out.vendor_engagements.filter((v) => before(v.called_at));
  if (out.timeline) out.timeline = out.timeline.filter((t) => before(t.at));
  // Deviations are written afterwards, when a miss is reviewed.
  delete out.deviations;
  out.status = out.closed_at ? 'closed' : out.resolved_at ? 'resolved' : out.mitigated_at ? 'mitigated' : 'open';
  if (out.status === 'closed' || out.status === 'resolved') return out;
  delete out.root_cause;
  delete out.resolution;
  return out;
}
