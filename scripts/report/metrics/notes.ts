/**
 * The monthly report's narrative (运维报告: work done, problems, improvement
 * plan), from the team's notes document for the period,
 * reports/notes/YYYY-MM.yaml (schemas/monthly-notes.schema.json). Pure.
 */
import type { MonthlyNotesDocument } from '../../model/documents.generated.ts';
import type { Period } from '../period.ts';
import type { ReportInput } from '../types.ts';

export interface NotesSection {
  /** The file the notes come from, or where they are expected when there are none. */
  path: string;
  present: boolean;
  author: string | null;
  summary: string;
  work_done: { title: string; detail: string; refs: string[] }[];
  problems: { title: string; detail: string; refs: string[] }[];
  improvement_plan: { action: string; owner: string; due: string; refs: string[] }[];
  evidence: string[];
}

export function computeNotes(input: ReportInput, period: Period): NotesSection {
  const doc = input.notes.find((n) => n.id === period.id);
  const path = doc?.file ?? `reports/notes/${period.id}.yaml`;
  if (!doc) return { path, present: false, author: null, summary: '', work_done: [], problems: [], improvement_plan: [], evidence: [] };
  const d: MonthlyNotesDocument = doc.data;
  const item = (x: { title: string; detail?: string; refs?: string[] }) => ({ title: x.title, detail: x.detail ?? '', refs: x.refs ?? [] });
  return {
    path,
    present: true,
    author: d.author,
    summary: d.summary ?? '',
    work_done: d.work_done.map(item),
    problems: d.problems.map(item),
    improvement_plan: d.improvement_plan.map((p) => ({ action: p.action, owner: p.owner, due: p.due, refs: p.refs ?? [] })),
    evidence: [doc.file],
  };
}
