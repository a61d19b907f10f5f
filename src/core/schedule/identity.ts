import type { Person } from '../protocol/types';

/**
 * Who "I" am, as the user configured it: a bare string (email, handle or name) or a partial Person.
 * Sources disagree on which of these they carry, so matching accepts any of them.
 */
export type Identity = string | Partial<Pick<Person, 'email' | 'handle' | 'name' | 'id' | 'timeZone'>>;

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
const normHandle = (s: string): string => norm(s).replace(/^@/, '');

/**
 * True when `person` is `identity`.
 * - A string matches the person's email (case-insensitive), handle (with or without "@") or name.
 * - A Person-like identity: when both sides have an email, the emails decide (two "Alex Kim"s with
 *   different emails are different people); otherwise id, handle or name must agree.
 */
export function matchesIdentity(person: Person, identity: Identity): boolean {
  if (typeof identity === 'string') {
    const s = norm(identity);
    if (s.length === 0) return false;
    return (
      (person.email !== undefined && norm(person.email) === s) ||
      (person.handle !== undefined && normHandle(person.handle) === s.replace(/^@/, '')) ||
      norm(person.name) === s
    );
  }
  if (identity.email && person.email) return norm(identity.email) === norm(person.email);
  if (identity.id && person.id && identity.id === person.id) return true;
  if (identity.handle && person.handle && normHandle(identity.handle) === normHandle(person.handle)) return true;
  return identity.name !== undefined && norm(identity.name).length > 0 && norm(identity.name) === norm(person.name);
}

/** Short display name of an identity. */
export function identityLabel(identity: Identity): string {
  if (typeof identity === 'string') return identity.trim();
  return identity.name ?? identity.email ?? identity.handle ?? identity.id ?? '?';
}
