const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a canonical uuid (our entity ids). Ids that are not uuids cannot exist, so
 * resolvers answer them with null / NOT_FOUND without a database round trip (and PostgreSQL
 * never sees a malformed uuid).
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
