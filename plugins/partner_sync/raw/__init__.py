"""The RAW layer: writes the warehouse only. Plans raw DDL and drift, stages what a source reader streams
(``partner_sync.contracts.SourceReader``, handed in), upserts, quarantines, keeps watermarks."""
