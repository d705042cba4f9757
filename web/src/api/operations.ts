/**
 * The first-party operations of `router/operations/` (one named operation or fragment per
 * file), bundled as text at build time: the app sends exactly the documents the persisted-query
 * safelist admits — each operation followed by the fragments it spreads, in order of first use,
 * as Apollo's manifest generator prints them.
 */
import { Kind, parse, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

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

/** The operation `name` with its fragments. @throws Error when router/operations/ has no such operation. */
export function operation(name: string): DocumentNode {
  const op = operations.get(name);
  if (!op) throw new Error(`operation ${name} is not in router/operations/`);
  return { kind: Kind.DOCUMENT, definitions: [op, ...spreads(op).map((f) => fragments.get(f)!)] };
}

/** Every document the app sends, by operation name. */
export const OPS = {
  Books: operation('Books'),
  BookAvailability: operation('BookAvailability'),
  RentBook: operation('RentBook'),
  MyRentals: operation('MyRentals'),
  CancelRental: operation('CancelRental'),
  RenewRental: operation('RenewRental'),
  ReturnBook: operation('ReturnBook'),
  MyHolds: operation('MyHolds'),
  PlaceHold: operation('PlaceHold'),
  SuspendHold: operation('SuspendHold'),
  ResumeHold: operation('ResumeHold'),
  CancelHold: operation('CancelHold'),
  MyNotifications: operation('MyNotifications'),
  Viewer: operation('Viewer'),
  Book: operation('Book'),
  RegisterBook: operation('RegisterBook'),
  BookRentals: operation('BookRentals'),
};
