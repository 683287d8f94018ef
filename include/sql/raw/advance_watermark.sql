-- Move a table's watermark forward only: a backfill of old dates never moves it back. %(reset)s (a full
-- read, or a stored value beyond now + tolerance) replaces it with the newest value read.
-- {cursor_type} is the cursor column's type from the source catalog.
INSERT INTO ops.watermarks AS w (source_system, table_name, cursor_column, cursor_type, watermark, last_job_id, updated_at)
VALUES (%(source_system)s, %(table_name)s, %(cursor_column)s, %(cursor_type)s, %(watermark)s, %(job_id)s, now())
ON CONFLICT (source_system, table_name) DO UPDATE
SET watermark = EXCLUDED.watermark, cursor_column = EXCLUDED.cursor_column, cursor_type = EXCLUDED.cursor_type,
    last_job_id = EXCLUDED.last_job_id, updated_at = now()
WHERE %(reset)s OR w.watermark IS NULL OR w.cursor_type IS DISTINCT FROM EXCLUDED.cursor_type
   OR EXCLUDED.watermark::{cursor_type} > w.watermark::{cursor_type}
