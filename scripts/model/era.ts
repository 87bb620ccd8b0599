/**
 * The first year a date, month or year argument may name. Nothing on record can be
 * older than the Unix epoch, and below it date arithmetic goes wrong (Date.UTC maps
 * years 0–99 to 1900–1999; a trend before year 1 has no ISO month to name).
 */
export const FIRST_YEAR = 1970;

/** Whether text starting with a four-digit year (YYYY, YYYY-MM, YYYY-MM-DD) names FIRST_YEAR or later. */
export const inEra = (text: string): boolean => Number(text.slice(0, 4)) >= FIRST_YEAR;
