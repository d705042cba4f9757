#!/usr/bin/env bash
# `pnpm bench`: the rent-at-scale benchmark on a fresh clone after the README's setup. Recreates
# the test databases and migrates them, starts the local Kafka broker when it is not running,
# builds, then runs bench/rent-at-scale.ts (production mode: every service its own process running
# its compiled dist/main.js). Nothing is
# asserted; the report is printed and written to bench/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-env.sh
export LOG_LEVEL=warn
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
pnpm build >/dev/null
pnpm exec tsx scripts/test-databases.ts
pnpm exec tsx prisma/migrate.ts
started_kafka=no
if ! bash scripts/kafka/kafka.sh status >/dev/null 2>&1; then
  bash scripts/kafka/kafka.sh start >/dev/null
  started_kafka=yes
fi
status=0
pnpm exec tsx "bench/${BENCH_SCRIPT:-rent-at-scale}.ts" "$@" || status=$?
if [ "$started_kafka" = yes ]; then bash scripts/kafka/kafka.sh stop >/dev/null 2>&1 || true; fi
exit $status
