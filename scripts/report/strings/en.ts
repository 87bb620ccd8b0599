import { enDetails } from './en-details.ts';
import { enFigures } from './en-figures.ts';
import { enPage } from './en-page.ts';

/** English string table. Every key here exists in zh-CN.ts too (a test checks both are complete). */
export const en = { ...enPage, ...enFigures, ...enDetails } as const;

export type StringKey = keyof typeof en;
