import type { Language } from '../build-report.ts';
import { en, type StringKey } from './en.ts';
import { zhCN } from './zh-CN.ts';
import { dutiesStrings } from './duties.ts';
import { backupVerificationStrings } from './backup-verification.ts';
import { patchComplianceStrings } from './patch-compliance.ts';

export type { StringKey };
export const STRING_TABLES: Record<Language, Record<StringKey, string>> = {
  en: { ...en, ...dutiesStrings.en, ...backupVerificationStrings.en, ...patchComplianceStrings.en },
  'zh-CN': { ...zhCN, ...dutiesStrings['zh-CN'], ...backupVerificationStrings['zh-CN'], ...patchComplianceStrings['zh-CN'] },
};

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** A translator for one language; an unknown key is a programming error and throws. Pure. */
export function createTranslator(language: Language): Translate {
  const table = STRING_TABLES[language] as Record<string, string>;
  return (key, params = {}) => {
    const s = table[key];
    if (s === undefined) throw new Error(`missing string '${key}' for ${language}`);
    return s.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
  };
}

/** Whether a language's table has a key (for values translated when known, shown raw otherwise). Pure. */
export function hasString(language: Language, key: string): boolean {
  return (STRING_TABLES[language] as Record<string, string>)[key] !== undefined;
}
