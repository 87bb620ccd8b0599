import type { Person } from './types.ts';

/** The file a message names for a person: their document's own, else where it would be (policies/access/people/ID.yaml). */
export function personFile(p: Pick<Person, 'id' | 'file'>): string {
  return p.file ?? `policies/access/people/${p.id}.yaml`;
}
