-- One row per time entry: its first approval and first invoicing, as the KPI queries read them
-- (server/kpis/sql.ts). Without it every unbilled / invoice-cycle / utilisation read re-grouped all of a type's
-- business events per entry (docs/benchmarks.md "Business KPIs"). Kept by triggers on business_event so every
-- writer (the runtime's step-success transaction, the demo history, the benchmark's bulk load) keeps it in the
-- same transaction: test events are not facts; a replay's duplicate event is never inserted (the writer's
-- ON CONFLICT DO NOTHING), so it never reaches the trigger; "first" is by (occurred_at, id), like the queries'
-- DISTINCT ON, so a repeat approval of an entry changes nothing.
CREATE TABLE "kpi_time_entry" (
    "time_entry" TEXT NOT NULL,
    "approved_at" TIMESTAMPTZ(3),
    "approval_event_id" BIGINT,
    "hours" DECIMAL(12,4),
    "amount" DECIMAL(20,4),
    "currency" TEXT,
    "project" TEXT,
    "customer" TEXT,
    "person" TEXT,
    "team" TEXT,
    "run_id" UUID,
    "flow_id" UUID,
    "invoiced_at" TIMESTAMPTZ(3),
    "invoice_event_id" BIGINT,
    "invoice_project" TEXT,
    "invoice_customer" TEXT,
    "invoice_team" TEXT,

    CONSTRAINT "kpi_time_entry_pkey" PRIMARY KEY ("time_entry")
);

CREATE INDEX "kpi_time_entry_approved_at_idx" ON "kpi_time_entry"("approved_at");
CREATE INDEX "kpi_time_entry_invoiced_at_idx" ON "kpi_time_entry"("invoiced_at");

-- Recomputes the rows of the given entries from business_event (the backfill, and after a delete).
CREATE FUNCTION kpi_time_entry_recompute(entries text[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM kpi_time_entry WHERE time_entry = ANY (entries);
  INSERT INTO kpi_time_entry (time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team,
    run_id, flow_id, invoiced_at, invoice_event_id, invoice_project, invoice_customer, invoice_team)
  SELECT coalesce(a.time_entry, i.time_entry), a.occurred_at, a.id, a.hours, a.amount, a.currency, a.project, a.customer, a.person,
    a.team, a.run_id, a.flow_id, i.occurred_at, i.id, i.project, i.customer, i.team
  FROM (SELECT DISTINCT ON (e.time_entry) e.* FROM business_event e
        WHERE e.type = 'time.approved' AND NOT e.is_test AND e.time_entry = ANY (entries)
        ORDER BY e.time_entry, e.occurred_at, e.id) a
  FULL JOIN (SELECT DISTINCT ON (e.time_entry) e.* FROM business_event e
        WHERE e.type = 'time.invoiced' AND NOT e.is_test AND e.time_entry = ANY (entries)
        ORDER BY e.time_entry, e.occurred_at, e.id) i ON i.time_entry = a.time_entry;
$$;

-- Row-level (see migration 20261205170000: a statement-level trigger costs a tuplestore per single-row insert).
-- ON CONFLICT … WHERE compares against the committed row it locked, so concurrent writers merge, never overwrite.
CREATE FUNCTION kpi_time_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'time.approved' THEN
    INSERT INTO kpi_time_entry AS k (time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team, run_id, flow_id)
    VALUES (NEW.time_entry, NEW.occurred_at, NEW.id, NEW.hours, NEW.amount, NEW.currency, NEW.project, NEW.customer, NEW.person, NEW.team, NEW.run_id, NEW.flow_id)
    ON CONFLICT (time_entry) DO UPDATE SET approved_at = EXCLUDED.approved_at, approval_event_id = EXCLUDED.approval_event_id,
      hours = EXCLUDED.hours, amount = EXCLUDED.amount, currency = EXCLUDED.currency, project = EXCLUDED.project,
      customer = EXCLUDED.customer, person = EXCLUDED.person, team = EXCLUDED.team, run_id = EXCLUDED.run_id, flow_id = EXCLUDED.flow_id
    WHERE k.approved_at IS NULL OR (EXCLUDED.approved_at, EXCLUDED.approval_event_id) < (k.approved_at, k.approval_event_id);
  ELSE
    INSERT INTO kpi_time_entry AS k (time_entry, invoiced_at, invoice_event_id, invoice_project, invoice_customer, invoice_team)
    VALUES (NEW.time_entry, NEW.occurred_at, NEW.id, NEW.project, NEW.customer, NEW.team)
    ON CONFLICT (time_entry) DO UPDATE SET invoiced_at = EXCLUDED.invoiced_at, invoice_event_id = EXCLUDED.invoice_event_id,
      invoice_project = EXCLUDED.invoice_project, invoice_customer = EXCLUDED.invoice_customer, invoice_team = EXCLUDED.invoice_team
    WHERE k.invoiced_at IS NULL OR (EXCLUDED.invoiced_at, EXCLUDED.invoice_event_id) < (k.invoiced_at, k.invoice_event_id);
  END IF;
  RETURN NULL;
END $$;

-- A deleted event (a run deleted, cascading) matters only when it was an entry's first; then recompute the entry.
CREATE FUNCTION kpi_time_entry_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM kpi_time_entry k WHERE k.time_entry = OLD.time_entry AND OLD.id IN (k.approval_event_id, k.invoice_event_id)) THEN
    PERFORM kpi_time_entry_recompute(ARRAY[OLD.time_entry]);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION kpi_time_entry_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE kpi_time_entry;
  RETURN NULL;
END $$;

CREATE TRIGGER kpi_time_entry_insert AFTER INSERT ON "business_event"
  FOR EACH ROW WHEN (NEW.type IN ('time.approved', 'time.invoiced') AND NOT NEW.is_test AND NEW.time_entry IS NOT NULL)
  EXECUTE FUNCTION kpi_time_entry_insert();
CREATE TRIGGER kpi_time_entry_delete AFTER DELETE ON "business_event"
  FOR EACH ROW WHEN (OLD.type IN ('time.approved', 'time.invoiced') AND NOT OLD.is_test AND OLD.time_entry IS NOT NULL)
  EXECUTE FUNCTION kpi_time_entry_delete();
-- business_event's columns are never updated (events are facts); an UPDATE would need a recompute like a delete.
CREATE TRIGGER kpi_time_entry_truncate AFTER TRUNCATE ON "business_event"
  FOR EACH STATEMENT EXECUTE FUNCTION kpi_time_entry_truncate();

-- Backfill from the events already recorded.
SELECT kpi_time_entry_recompute(ARRAY(SELECT DISTINCT time_entry FROM business_event
  WHERE type IN ('time.approved', 'time.invoiced') AND NOT is_test AND time_entry IS NOT NULL));
