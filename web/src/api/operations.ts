/**
 * The first-party operations of `router/operations/` (one named operation or fragment per
 * file), bundled as text at build time: the app sends exactly the documents the persisted-query
 * safelist admits — each operation followed by the fragments it spreads, in order of first use,
 * as Apollo's manifest generator prints them.
 */
import type { TypedDocumentNode } from '@apollo/client';
import { Kind, parse, visit, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type * as G from './__generated__/operations';

const files = import.meta.glob<string>('../../../router/operations/*.graphql', { query: '?raw', import: 'default', eager: true });

const operations = new Map<string, OperationDefinitionNode>();
const fragments = new Map<string, FragmentDefinitionNode>();
for (const text of Object.values(files)) {
  for (const def of parse(text).definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION && def.name) operations.set(def.name.value, def);
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
}

/** Names of the fragments `node` spreads, transitively, in order of first use. */
function spreads(node: OperationDefinitionNode | FragmentDefinitionNode, seen: string[] = []): string[] {
  visit(node, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (seen.includes(name)) return;
      seen.push(name);
      const fragment = fragments.get(name);
      if (!fragment) throw new Error(`fragment ${name} is not in router/operations/`);
      spreads(fragment, seen);
    },
  });
  return seen;
}

/**
 * The operation `name` with its fragments, typed with its result `TData` and variables `TVars`
 * (generated from the supergraph by `pnpm codegen`). @throws Error when router/operations/ has no such operation.
 */
export function operation<TData, TVars>(name: string): TypedDocumentNode<TData, TVars> {
  const op = operations.get(name);
  if (!op) throw new Error(`operation ${name} is not in router/operations/`);
  return { kind: Kind.DOCUMENT, definitions: [op, ...spreads(op).map((f) => fragments.get(f)!)] };
}

/** Every document the app sends, by operation name, with its generated result and variables types. */
export const OPS = {
  Books: operation<G.BooksQuery, G.BooksQueryVariables>('Books'),
  BookAvailability: operation<G.BookAvailabilityQuery, G.BookAvailabilityQueryVariables>('BookAvailability'),
  RentBook: operation<G.RentBookMutation, G.RentBookMutationVariables>('RentBook'),
  MyRentals: operation<G.MyRentalsQuery, G.MyRentalsQueryVariables>('MyRentals'),
  CancelRental: operation<G.CancelRentalMutation, G.CancelRentalMutationVariables>('CancelRental'),
  RenewRental: operation<G.RenewRentalMutation, G.RenewRentalMutationVariables>('RenewRental'),
  ReturnBook: operation<G.ReturnBookMutation, G.ReturnBookMutationVariables>('ReturnBook'),
  MyHolds: operation<G.MyHoldsQuery, G.MyHoldsQueryVariables>('MyHolds'),
  PlaceHold: operation<G.PlaceHoldMutation, G.PlaceHoldMutationVariables>('PlaceHold'),
  SuspendHold: operation<G.SuspendHoldMutation, G.SuspendHoldMutationVariables>('SuspendHold'),
  ResumeHold: operation<G.ResumeHoldMutation, G.ResumeHoldMutationVariables>('ResumeHold'),
  CancelHold: operation<G.CancelHoldMutation, G.CancelHoldMutationVariables>('CancelHold'),
  MyNotifications: operation<G.MyNotificationsQuery, G.MyNotificationsQueryVariables>('MyNotifications'),
  Viewer: operation<G.ViewerQuery, G.ViewerQueryVariables>('Viewer'),
  Book: operation<G.BookQuery, G.BookQueryVariables>('Book'),
  RegisterBook: operation<G.RegisterBookMutation, G.RegisterBookMutationVariables>('RegisterBook'),
  BookRentals: operation<G.BookRentalsQuery, G.BookRentalsQueryVariables>('BookRentals'),
  BookHolds: operation<G.BookHoldsQuery, G.BookHoldsQueryVariables>('BookHolds'),
  DueRentals: operation<G.DueRentalsQuery, G.DueRentalsQueryVariables>('DueRentals'),
  ReadingLink: operation<G.ReadingLinkQuery, G.ReadingLinkQueryVariables>('ReadingLink'),
  BookContent: operation<G.BookContentQuery, G.BookContentQueryVariables>('BookContent'),
  RequestBookContentUpload: operation<G.RequestBookContentUploadMutation, G.RequestBookContentUploadMutationVariables>('RequestBookContentUpload'),
};
