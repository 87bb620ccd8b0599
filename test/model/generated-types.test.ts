import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generatedTypesFile, renderDocumentTypes } from '../../scripts/model/generate-types.ts';

describe('generated document types', () => {
  it('match schemas/*.schema.json (run `npm run gen:types` after editing a schema)', async () => {
    expect(await readFile(generatedTypesFile, 'utf8')).toBe(await renderDocumentTypes());
  });
});
