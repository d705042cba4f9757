#!/usr/bin/env bash
# `pnpm test`: every test on real infrastructure, then one summary line "N passed, N failed".
#  1. PostgreSQL: recreate one test database per context (starts the local server if down);
#  2. Kafka: a fresh single-node Apache Kafka 3.9.x (KRaft) from Maven Central jars (cached);
#  3. type check + production build (pnpm build: dist/ of every package, started by a test) + lint +
#     formatting check (Prettier) +
#     generated resolver types check + migrations (the supergraph check is a unit test);
#  4. vitest: unit, integration (PostgreSQL, Kafka) and e2e (whole stack; `pnpm dev` too).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/test-env.sh
mkdir -p .cache
results=.cache/vitest-results.json
rm -f "$results" .cache/fault-report.jsonl

fail_setup() {
  echo "test setup failed: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
  echo "PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || fail_setup "cannot start PostgreSQL"
fi

stop_kafka() { bash scripts/kafka/kafka.sh stop >/dev/null 2>&1 || true; }
trap stop_kafka EXIT
( bash scripts/kafka/kafka.sh reset >/dev/null && bash scripts/kafka/kafka.sh start ) > .cache/kafka-start.log 2>&1 &
kafka_pid=$!

t0=$(date +%s)
pnpm typecheck || fail_setup "type check"
pnpm build || fail_setup "build"
pnpm lint || fail_setup "lint"
pnpm format:check || fail_setup "formatting (pnpm format rewrites the files listed above)"
pnpm codegen:check || fail_setup "generated resolver types are stale (pnpm codegen)"
pnpm exec tsx scripts/test-databases.ts || fail_setup "test databases"
pnpm exec tsx prisma/migrate.ts || fail_setup "migrations"
wait "$kafka_pid" || { cat .cache/kafka-start.log >&2; fail_setup "kafka broker"; }
echo "setup done in $(( $(date +%s) - t0 )) s (type check, build, lint, databases, migrations, Kafka)"

pnpm exec vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
status=$?

if [ -f .cache/fault-report.jsonl ]; then
  echo
  echo "Fault-injection report: events of the scenario's rentals"
  node -e '
    const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
    console.log("| scenario | produced | delivered | duplicated effects | lost | recovery (ms) |");
    console.log("|---|---|---|---|---|---|");
    for (const r of rows) console.log(`| ${r.scenario} | ${r.produced} | ${r.delivered} | ${r.duplicatedEffects} | ${r.lost} | ${r.recoveryMs ?? "-"} |`);
  ' "$PWD/.cache/fault-report.jsonl"
  echo
fi

if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    // A file that failed outside its tests (e.g. in beforeAll) reports its tests as skipped or
    // not at all: each such test counts as failed (at least one per file), never as nothing.
    const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"));
    const failed = r.numFailedTests + (r.numRuntimeErrorTests ?? 0) + broken.reduce((n, f) => n + Math.max(1, f.assertionResults.filter((a) => a.status !== "passed").length), 0);
    console.log(`${r.numPassedTests} passed, ${failed} failed`);
    process.exit(failed > 0 ? 1 : 0);
  ' "$PWD/$results" || status=1
else
  echo "0 passed, 1 failed"
  status=1
fi
exit $status
