-- A run's replays and child runs (subflows) are read by the run page and the exception detail
-- (`replay_of_id = $1`, `parent_run_id = $1`): without an index each read scanned the whole run table — 0.8 s
-- per exception detail at 1M runs (bench:pages --open-exceptions 1000000).
CREATE INDEX "run_replay_of_id_idx" ON "run"("replay_of_id");
CREATE INDEX "run_parent_run_id_idx" ON "run"("parent_run_id");
