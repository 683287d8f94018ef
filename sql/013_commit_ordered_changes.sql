-- Commit-ordered change tracking for the incremental transforms (issue #14). A raw row's _ingested_at is its
-- load transaction's start: a load that commits after a transform has read past that time was never
-- re-derived. Each raw load now records its batch with its transaction id; a transform remembers the oldest
-- transaction still running when it started (pg_snapshot_xmin) and next time re-derives the rows of every
-- batch from that transaction on -- whatever the clock said, a write that was not visible to it is.
CREATE TABLE IF NOT EXISTS ops.raw_batches (
    batch_id UUID PRIMARY KEY,                 -- raw.*._sync_batch_id
    source_system VARCHAR(50) NOT NULL,
    table_name VARCHAR(200) NOT NULL,
    xact_id XID8 NOT NULL DEFAULT pg_current_xact_id(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS raw_batches_xact_id ON ops.raw_batches (xact_id);

-- The oldest transaction in progress when the target's last transform started: every batch of an older
-- transaction was visible to it. NULL: rebuild (so every target rebuilds once after this migration).
ALTER TABLE ops.transform_state ADD COLUMN IF NOT EXISTS last_xact_id XID8;
