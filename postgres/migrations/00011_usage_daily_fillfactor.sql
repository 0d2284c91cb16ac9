-- +goose Up
-- Every ingest grows the daily totals of the cells its records fall in, one
-- upsert a cell, so most of a day's cells are updated again by the next
-- transactions. With full pages each update writes the new row version to
-- another page and a new entry into both indexes; with room left on the
-- page (fillfactor 75) the update stays on it as a heap-only tuple and
-- touches no index. Measured on 529,000 cell upserts in 20 transactions
-- (a million records): 4.1 and 4.8 CPU seconds of the server against 5.1
-- and 6.0 with full pages (usage/BENCHMARKS-usage.md). The setting applies
-- to pages written from now on.
ALTER TABLE usage_daily SET (fillfactor = 75);

-- +goose Down
ALTER TABLE usage_daily RESET (fillfactor);
