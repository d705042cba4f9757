/**
 * The first-party operations of `router/operations/` as documents for tests: a test runs the
 * same `Login`, `RegisterCustomer`, … a client of ours sends (and the persisted-query safelist
 * admits), instead of its own copy of the query text.
 */
import { readFileSync } from 'node:fs';
import { gql } from './graphql-client';

const OPERATIONS_DIR = new URL('../../router/operations/', import.meta.url);

/** The operation `name` (`router/operations/<name>.graphql`) as a document. @throws when the file does not exist. */
export function operation(name: string) {
  return gql(readFileSync(new URL(`${name}.graphql`, OPERATIONS_DIR), 'utf8'));
}
