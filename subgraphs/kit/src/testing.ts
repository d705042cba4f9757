/**
 * Test support shared by the contexts' integration tests (imported by `*.spec.ts` files only,
 * through `@ebook/subgraph-kit/testing`; never by production code: it imports vitest).
 */
import { expect } from 'vitest';
import { DomainError } from './domain-error';

/**
 * The refusal of `p`: the {@link DomainError} it rejects with.
 * @throws an assertion error when `p` resolves or rejects with anything else.
 */
export async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}
