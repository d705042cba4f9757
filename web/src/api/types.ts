/**
 * Names for the shapes the app reads, taken from the types GraphQL Code Generator writes from the
 * supergraph and router/operations/ (`__generated__/operations.ts`, `pnpm codegen`); KRW amounts
 * are integers, times ISO-8601 UTC.
 */
import type * as G from './__generated__/operations';

export type { HoldState, PaymentState, RegisterBookInput, RentalState, Role } from './__generated__/operations';

/** A catalog card (Books). */
export type BookNode = G.BooksQuery['books']['edges'][number]['node'];

/** RentalStatusFields: a rental as the read model (rental-view) knows it. */
export type RentalStatus = G.RentalStatusFieldsFragment;

/** HoldFields. */
export type Hold = G.HoldFieldsFragment;
