/**
 * The instant the sample organisation is a snapshot of: the end of November 2026, the
 * month its records play and its reports cover. Its documents carry real dates (advisory
 * deadlines, waivers that expire, runbook reviews, contracts, the duty rota), so against
 * the machine's clock the sample goes red as those dates pass, as a real organisation
 * would. `npm run demo`, the sample's records and reports, the tests that read the sample
 * and `.ci/run`'s lint of it evaluate it here (`opsgate --now 2026-12-01T00:00:00+08:00 lint`).
 */
export const SAMPLE_AS_OF = '2026-12-01T00:00:00+08:00';
