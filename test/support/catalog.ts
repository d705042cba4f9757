/**
 * Books for tests, through the gateway with the first-party operations (`RegisterBook`, `Book`):
 * the one place tests register a book and wait until rental can lend it.
 */
import { randomUUID } from 'node:crypto';
import { expect, vi } from 'vitest';
import type { GatewayClient } from './graphql-client';
import { operation } from './operations';

/**
 * Registers a book as the manager and waits (up to `timeoutMs`, default 20 s) until rental's
 * replica of it shows every licensed copy available, so it can be rented at once.
 * @param managerToken a manager's access token.
 * @param book `title` (default `Book <random>`), `rentalFee` (integer KRW, default 1000), `licensedCopies` (default 3).
 * @returns the book's id.
 * @throws the GraphQL error of `RegisterBook`, or the last failed check when the copies do not show in time.
 */
export async function registerRentableBook(
  api: GatewayClient,
  managerToken: string,
  book: { title?: string; rentalFee?: number; licensedCopies?: number } = {},
  timeoutMs = 20_000,
): Promise<string> {
  const licensedCopies = book.licensedCopies ?? 3;
  const input = { title: book.title ?? `Book ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: book.rentalFee ?? 1000, licensedCopies };
  const { registerBook } = await api.run(operation('RegisterBook'), { input }, managerToken);
  await waitUntilRentable(api, registerBook.id, licensedCopies, timeoutMs);
  return registerBook.id as string;
}

/**
 * Waits (up to `timeoutMs`, default 20 s) until book `bookId` shows `licensedCopies` copies
 * available: rental has its replica, so it can be rented at once (a book registered elsewhere,
 * e.g. in the browser). @throws the last failed check when the copies do not show in time.
 */
export async function waitUntilRentable(api: GatewayClient, bookId: string, licensedCopies: number, timeoutMs = 20_000): Promise<void> {
  await vi.waitFor(async () => expect((await api.run(operation('Book'), { id: bookId })).book.availableCopies).toBe(licensedCopies), {
    timeout: timeoutMs,
    interval: 200,
  });
}
