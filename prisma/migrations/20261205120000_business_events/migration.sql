-- Business events (core/dsl/business-events.ts): facts flows record as they run, written in the transaction
-- of the step's success; the KPI page (server/kpis) reads only these. Unique per replay root run, step path
-- and index, so a replay or a re-run segment never records a fact twice.
CREATE TABLE "business_event" (
    "id" BIGSERIAL NOT NULL,
    "run_id" UUID NOT NULL,
    "origin_run_id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "step_path" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "customer" TEXT,
    "project" TEXT,
    "opportunity" TEXT,
    "invoice" TEXT,
    "person" TEXT,
    "time_entry" TEXT,
    "team" TEXT,
    "system" TEXT,
    "amount" DECIMAL(20,4),
    "currency" TEXT,
    "hours" DECIMAL(12,4),
    "is_test" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "business_event_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "business_event_origin_run_id_step_path_idx_key" ON "business_event"("origin_run_id", "step_path", "idx");
CREATE INDEX "business_event_type_occurred_at_idx" ON "business_event"("type", "occurred_at");
CREATE INDEX "business_event_time_entry_type_idx" ON "business_event"("time_entry", "type");
CREATE INDEX "business_event_project_type_occurred_at_idx" ON "business_event"("project", "type", "occurred_at");
CREATE INDEX "business_event_opportunity_type_occurred_at_idx" ON "business_event"("opportunity", "type", "occurred_at");
CREATE INDEX "business_event_person_type_occurred_at_idx" ON "business_event"("person", "type", "occurred_at");
CREATE INDEX "business_event_customer_type_idx" ON "business_event"("customer", "type");
CREATE INDEX "business_event_run_id_idx" ON "business_event"("run_id");

ALTER TABLE "business_event" ADD CONSTRAINT "business_event_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
