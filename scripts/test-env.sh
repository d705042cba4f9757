# Environment of the integration and e2e tests (sourced by scripts/test.sh).
# One test database per context on the local PostgreSQL; a local single-node Kafka broker.
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
pg_base="postgresql://${PGUSER}@${PGHOST}:${PGPORT}"
export USER_DATABASE_URL="${TEST_USER_DATABASE_URL:-$pg_base/ebook_user_test}"
export BOOK_MANAGEMENT_DATABASE_URL="${TEST_BOOK_MANAGEMENT_DATABASE_URL:-$pg_base/ebook_book_management_test}"
export RENTAL_DATABASE_URL="${TEST_RENTAL_DATABASE_URL:-$pg_base/ebook_rental_test}"
export PAYMENT_DATABASE_URL="${TEST_PAYMENT_DATABASE_URL:-$pg_base/ebook_payment_test}"
export RENTAL_VIEW_DATABASE_URL="${TEST_RENTAL_VIEW_DATABASE_URL:-$pg_base/ebook_rental_view_test}"
export KAFKA_PORT="${KAFKA_PORT:-19092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
export LOG_LEVEL="${LOG_LEVEL:-silent}"
