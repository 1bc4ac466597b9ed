-- Exception triage (issue 7): full-text search over business keys, business impact, auto-resolve record,
-- ageing thresholds per flow, saved views, bulk actions with progress.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE "exception"
    ADD COLUMN "search_text" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "impact_amount" DOUBLE PRECISION,
    ADD COLUMN "impact_hours" DOUBLE PRECISION,
    ADD COLUMN "resolved_by_run_id" UUID;

-- Derived on write so that the runtime's insert path stays as it is: the lowercased business-key values
-- (trigram-indexed for "INV-1042", a project code, a customer name) and the money/hours a failure holds up
-- (numeric business keys named like amount/total/value and hours).
CREATE OR REPLACE FUNCTION exception_derive() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  amount DOUBLE PRECISION := NULL;
  hours DOUBLE PRECISION := NULL;
  kv RECORD;
BEGIN
  NEW.search_text := lower(array_to_string(COALESCE(NEW.business_key_values, ARRAY[]::text[]), ' '));
  IF NEW.business_keys IS NOT NULL AND jsonb_typeof(NEW.business_keys) = 'object' THEN
    FOR kv IN SELECT key, value FROM jsonb_each(NEW.business_keys) LOOP
      CONTINUE WHEN jsonb_typeof(kv.value) NOT IN ('number', 'string');
      CONTINUE WHEN (kv.value #>> '{}') !~ '^-?[0-9]+(\.[0-9]+)?$';
      IF kv.key ~* '(hours|hrs)' THEN
        hours := COALESCE(hours, 0) + (kv.value #>> '{}')::double precision;
      ELSIF kv.key ~* '(amount|total|value|price|cost)' THEN
        amount := COALESCE(amount, 0) + (kv.value #>> '{}')::double precision;
      END IF;
    END LOOP;
  END IF;
  NEW.impact_amount := amount;
  NEW.impact_hours := hours;
  RETURN NEW;
END $$;

CREATE TRIGGER exception_derive BEFORE INSERT OR UPDATE OF business_keys, business_key_values ON "exception"
  FOR EACH ROW EXECUTE FUNCTION exception_derive();

UPDATE "exception" SET business_keys = business_keys;

CREATE INDEX "exception_search_text_idx" ON "exception" USING GIN ("search_text" gin_trgm_ops);
CREATE INDEX "exception_business_key_values_idx" ON "exception" USING GIN ("business_key_values");
CREATE INDEX "exception_status_error_class_idx" ON "exception"("status", "error_class");
CREATE INDEX "exception_assignee_team_id_status_idx" ON "exception"("assignee_team_id", "status");
CREATE INDEX "run_business_key_values_idx" ON "run" USING GIN ("business_key_values");

CREATE TABLE "exception_policy" (
    "flow_id" UUID NOT NULL,
    "ageing_hours" INTEGER NOT NULL DEFAULT 24,
    "updated_by_id" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "exception_policy_pkey" PRIMARY KEY ("flow_id")
);

CREATE TABLE "saved_view" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "saved_view_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "saved_view_user_id_name_key" ON "saved_view"("user_id", "name");

CREATE TABLE "bulk_action" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'queued',
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "last_id" UUID,
    "as_of" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "cancel_requested_at" TIMESTAMPTZ(3),
    CONSTRAINT "bulk_action_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "bulk_action_created_by_id_created_at_idx" ON "bulk_action"("created_by_id", "created_at");
