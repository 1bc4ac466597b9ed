-- The queue filtered by flow AND error class, newest first: with only (flow_id, status, created_at) the planner
-- walked the flow's whole open queue in order looking for the class (262 ms p95 at 1M open when the pair had
-- no rows; bench:exceptions). One index gives both equalities and the order. (flow_id, status) is a prefix of
-- (flow_id, status, created_at), so it goes.
DROP INDEX IF EXISTS "exception_flow_id_status_idx";
CREATE INDEX "exception_flow_id_error_class_status_created_at_idx" ON "exception"("flow_id", "error_class", "status", "created_at");
