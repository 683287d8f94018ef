-- The newest cursor value already loaded for one table (text in the cursor's own type).
SELECT watermark FROM ops.watermarks WHERE source_system = %(source_system)s AND table_name = %(table_name)s
