import { describe, expect, it } from 'vitest';
import { ownedOrManaged } from './ownership';
import type { AuthUser } from './verifier';

const ALICE = '00000000-0000-4000-8000-00000000000a';
const MALLORY = '00000000-0000-4000-8000-00000000000b';
const customer = (id: string): AuthUser => ({ id, role: 'CUSTOMER', scopes: ['customer'] });
const manager: AuthUser = { id: '00000000-0000-4000-8000-00000000000c', role: 'MANAGER', scopes: ['manager'] };
// A client-credentials caller whose client id happens to equal the owner's id still owns nothing.
const service: AuthUser = { id: ALICE, role: 'SERVICE', scopes: ['payment:approve'] };

const alicesRental = { id: 'r1', customerId: ALICE as string | null };
const byCustomer = (r: typeof alicesRental) => r.customerId;

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    // By shape, not instanceof: under vitest two copies of graphql may be loaded.
    return (err as { extensions?: { code?: unknown } }).extensions?.code;
  }
  return 'no error';
}

describe('ownedOrManaged: its customer or a manager', () => {
  it('the owner and managers get the row', () => {
    expect(ownedOrManaged(customer(ALICE), alicesRental, byCustomer)).toBe(alicesRental);
    expect(ownedOrManaged(manager, alicesRental, byCustomer)).toBe(alicesRental);
  });

  it('another customer and a service client get null — the same answer as for a row that does not exist', () => {
    expect(ownedOrManaged(customer(MALLORY), alicesRental, byCustomer)).toBeNull();
    expect(ownedOrManaged(customer(MALLORY), null, byCustomer)).toBeNull();
    expect(ownedOrManaged(customer(MALLORY), undefined, byCustomer)).toBeNull();
    expect(ownedOrManaged(service, alicesRental, byCustomer)).toBeNull();
  });

  it('a row whose owner is not known is for managers only', () => {
    const orphan = { id: 'r2', customerId: null };
    expect(ownedOrManaged(customer(ALICE), orphan, byCustomer)).toBeNull();
    expect(ownedOrManaged(manager, orphan, byCustomer)).toBe(orphan);
  });

  it('no caller → UNAUTHENTICATED, whether the row exists or not (nothing to probe)', () => {
    expect(codeOf(() => ownedOrManaged(null, alicesRental, byCustomer))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => ownedOrManaged(null, null, byCustomer))).toBe('UNAUTHENTICATED');
  });
});
