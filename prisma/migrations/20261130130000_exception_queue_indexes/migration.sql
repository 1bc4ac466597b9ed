-- The exception queue filtered by flow or by error class, newest first (bench:exceptions): an index per
-- filter that also gives the order, instead of walking the whole open queue.
DROP INDEX IF EXISTS "exception_status_error_class_idx";
CREATE INDEX "exception_flow_id_status_created_at_idx" ON "exception"("flow_id", "status", "created_at");
CREATE INDEX "exception_error_class_status_created_at_idx" ON "exception"("error_class", "status", "created_at");
