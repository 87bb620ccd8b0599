import type { StringKey } from './en.ts';
import { zhCNDetails } from './zh-CN-details.ts';
import { zhCNFigures } from './zh-CN-figures.ts';
import { zhCNPage } from './zh-CN-page.ts';

/** 简体中文字符串表。键与 en.ts 完全一致（测试检查两者都完整）。 */
export const zhCN: Record<StringKey, string> = { ...zhCNPage, ...zhCNFigures, ...zhCNDetails };
