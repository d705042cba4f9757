-- Pruning deletes inbox rows by age (events/src/prune.ts): an index on handledAt keeps each batch an index range scan.
CREATE INDEX "inbox_event_handledAt_idx" ON "inbox_event"("handledAt");
