import type { Figure } from '../figure.ts';
import type { Translate } from '../strings/index.ts';

/** A figure's value as the report prints it (its own file so section views need not import view.ts). Pure. */
export function formatValue(f: Figure, t: Translate): string {
  if (f.value === null) return t('no_data');
  switch (f.unit) {
    case 'percent':
      return `${f.value.toFixed(1)}% (${f.numerator}/${f.denominator})`;
    case 'hours':
    case 'minutes':
    case 'days':
      return `${f.value} ${t(`unit.${f.unit}`)}`;
    default:
      return String(f.value);
  }
}
