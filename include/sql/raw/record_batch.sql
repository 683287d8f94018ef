-- This load's batch with its transaction id: the transforms find commit-ordered changes by it (sql/013).
INSERT INTO ops.raw_batches (batch_id, source_system, table_name)
VALUES (%(batch_id)s, %(source_system)s, %(table_name)s)
