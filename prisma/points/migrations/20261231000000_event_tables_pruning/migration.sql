-- Pruning deletes inbox rows by age (events/src/prune.ts): an index on handledAt keeps each batch an index range scan.
CREATE INDEX "inbox_event_handledAt_idx" ON "inbox_event"("handledAt");

-- The event tables are queues: every row is inserted, (outbox) updated once when published, and
-- deleted after its retention. Vacuum them after a fixed number of changed rows, not after 20 %
-- of the table as by default, so dead rows are reused while the table stays at its retention size.
ALTER TABLE "outbox_event" SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000
);
ALTER TABLE "inbox_event" SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000
);
