-- The queue counts (class, flow, team, age) read only these columns: an index-only scan instead of the heap.
CREATE INDEX "exception_status_flow_id_error_class_assignee_team_id_created_at_idx" ON "exception"("status", "flow_id", "error_class", "assignee_team_id", "created_at");
