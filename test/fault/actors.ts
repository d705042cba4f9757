import { randomUUID } from 'node:crypto';
import { expect, vi } from 'vitest';
import { GatewayClient, gql } from '../support/graphql-client';
import { signIn, signUp } from '../support/customers';
import { FAULT_MANAGER } from './process-stack';

const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
    }
  }
`;
const CANCEL = gql`
  mutation Cancel($rentalId: ID!) {
    cancelRental(rentalId: $rentalId) {
      id
      status
    }
  }
`;
const RETURN = gql`
  mutation Ret($rentalId: ID!) {
    returnBook(rentalId: $rentalId) {
      id
      status
    }
  }
`;

/** A signed-in customer. */
export interface Customer {
  id: string;
  token: string;
}

/** What the fault tests do through the gateway, as users would. */
export class Actors {
  readonly api: GatewayClient;
  /** Ids of the customers {@link customer} registered, oldest first (a scenario counts only its own). */
  readonly customerIds: string[] = [];
  private managerToken: string | undefined;

  constructor(gatewayUrl: string) {
    this.api = new GatewayClient(gatewayUrl);
  }

  async manager(): Promise<string> {
    this.managerToken ??= await signIn(this.api, FAULT_MANAGER.email, FAULT_MANAGER.password);
    return this.managerToken;
  }

  /** Registers a book and waits until rental's replica knows it (BookRegistered consumed). */
  async book(copies: number, rentalFee = 1000): Promise<string> {
    const { registerBook } = await this.api.run(
      gql`
        mutation B($input: RegisterBookInput!) {
          registerBook(input: $input) {
            id
          }
        }
      `,
      { input: { title: `Fault ${randomUUID().slice(0, 6)}`, author: 'Chaos Monkey', publishedYear: 1911, rentalFee, licensedCopies: copies } },
      await this.manager(),
    );
    await vi.waitFor(
      async () =>
        expect(
          (
            await this.api.run(
              gql`
                query A($id: ID!) {
                  book(id: $id) {
                    availableCopies
                  }
                }
              `,
              { id: registerBook.id },
            )
          ).book.availableCopies,
        ).toBe(copies),
      { timeout: 30_000, interval: 200 },
    );
    return registerBook.id as string;
  }

  /** Registers and signs in a new customer (remembered in {@link customerIds}). */
  async customer(): Promise<Customer> {
    const { id, token } = await signUp(this.api, { name: 'Fault Customer' });
    this.customerIds.push(id);
    return { id, token };
  }

  /** Rents; @returns the rental id. @throws the GraphQL error (message carries the code). */
  async rent(c: Customer, bookId: string): Promise<string> {
    return (await this.api.run(RENT, { bookId }, c.token)).rentBook.id as string;
  }

  async cancel(c: Customer, rentalId: string): Promise<void> {
    await this.api.run(CANCEL, { rentalId }, c.token);
  }

  async return(c: Customer, rentalId: string): Promise<void> {
    await this.api.run(RETURN, { rentalId }, c.token);
  }

  /** The rental's status in the read model (null until projected). */
  async viewStatus(c: Customer, rentalId: string): Promise<{ status: string; paymentStatus: string | null } | null> {
    return (
      await this.api.run(
        gql`
          query S($id: ID!) {
            rentalStatus(rentalId: $id) {
              status
              paymentStatus
            }
          }
        `,
        { id: rentalId },
        c.token,
      )
    ).rentalStatus;
  }
}
