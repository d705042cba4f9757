# Environment of the integration and e2e tests (sourced by scripts/test.sh).
# One test database per context on the local PostgreSQL; a local single-node Kafka broker.
# The contexts are the folders prisma/<context>/ (one per context of the registry, contexts.ts;
# a unit test keeps both in step): <CONTEXT>_DATABASE_URL is TEST_<CONTEXT>_DATABASE_URL when
# set, else the database ebook_<context>_test (rental-view → RENTAL_VIEW_DATABASE_URL, ebook_rental_view_test).
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
pg_base="postgresql://${PGUSER}@${PGHOST}:${PGPORT}"
for _config in "$(dirname "${BASH_SOURCE[0]}")"/../prisma/*/prisma.config.ts; do
  _context="$(basename "$(dirname "$_config")")"
  _suffix="${_context//-/_}"
  _var="$(echo "$_suffix" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
  _override="TEST_${_var}"
  export "$_var=${!_override:-$pg_base/ebook_${_suffix}_test}"
done
unset _config _context _suffix _var _override
export KAFKA_PORT="${KAFKA_PORT:-19092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
export LOG_LEVEL="${LOG_LEVEL:-silent}"
