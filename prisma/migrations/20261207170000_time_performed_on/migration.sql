-- Utilisation's actual hours count in the week the work was performed, not the week it was approved: approval
-- comes days or weeks later (weekly timesheets, late approvers), so by approval plan and actual land in
-- different weeks (docs/kpis.md "Utilisation variance"). A time.approved fact may say the day it was performed
-- (the DSL's `performedOn`); kpi_time_entry takes it from the entry's first approval, like its hours.
ALTER TABLE "business_event" ADD COLUMN "performed_on" DATE;
ALTER TABLE "kpi_time_entry" ADD COLUMN "performed_on" DATE;
-- The instant utilisation buckets and filters by: the performed day (00:00 UTC), else the approval. Generated,
-- so it cannot disagree with the two columns it reads; indexed for the period filter.
ALTER TABLE "kpi_time_entry" ADD COLUMN "worked_at" TIMESTAMPTZ(3)
  GENERATED ALWAYS AS (coalesce(performed_on::timestamp AT TIME ZONE 'UTC', approved_at)) STORED;
CREATE INDEX "kpi_time_entry_worked_at_idx" ON "kpi_time_entry"("worked_at");

-- As in migration 20261206100000_environment_data, plus performed_on from the first approval.
CREATE OR REPLACE FUNCTION kpi_time_entry_recompute(env text, entries text[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM kpi_time_entry WHERE environment = env AND time_entry = ANY (entries);
  INSERT INTO kpi_time_entry (environment, time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team,
    run_id, flow_id, performed_on, invoiced_at, invoice_event_id, invoice_project, invoice_customer, invoice_team)
  SELECT env, coalesce(a.time_entry, i.time_entry), a.occurred_at, a.id, a.hours, a.amount, a.currency, a.project, a.customer, a.person,
    a.team, a.run_id, a.flow_id, a.performed_on, i.occurred_at, i.id, i.project, i.customer, i.team
  FROM (SELECT DISTINCT ON (e.time_entry) e.* FROM business_event e
        WHERE e.type = 'time.approved' AND NOT e.is_test AND e.environment = env AND e.time_entry = ANY (entries)
        ORDER BY e.time_entry, e.occurred_at, e.id) a
  FULL JOIN (SELECT DISTINCT ON (e.time_entry) e.* FROM business_event e
        WHERE e.type = 'time.invoiced' AND NOT e.is_test AND e.environment = env AND e.time_entry = ANY (entries)
        ORDER BY e.time_entry, e.occurred_at, e.id) i ON i.time_entry = a.time_entry;
$$;

CREATE OR REPLACE FUNCTION kpi_time_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'time.approved' THEN
    INSERT INTO kpi_time_entry AS k (environment, time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team, run_id, flow_id, performed_on)
    VALUES (NEW.environment, NEW.time_entry, NEW.occurred_at, NEW.id, NEW.hours, NEW.amount, NEW.currency, NEW.project, NEW.customer, NEW.person, NEW.team, NEW.run_id, NEW.flow_id, NEW.performed_on)
    ON CONFLICT (environment, time_entry) DO UPDATE SET approved_at = EXCLUDED.approved_at, approval_event_id = EXCLUDED.approval_event_id,
      hours = EXCLUDED.hours, amount = EXCLUDED.amount, currency = EXCLUDED.currency, project = EXCLUDED.project,
      customer = EXCLUDED.customer, person = EXCLUDED.person, team = EXCLUDED.team, run_id = EXCLUDED.run_id, flow_id = EXCLUDED.flow_id,
      performed_on = EXCLUDED.performed_on
    WHERE k.approved_at IS NULL OR (EXCLUDED.approved_at, EXCLUDED.approval_event_id) < (k.approved_at, k.approval_event_id);
  ELSE
    INSERT INTO kpi_time_entry AS k (environment, time_entry, invoiced_at, invoice_event_id, invoice_project, invoice_customer, invoice_team)
    VALUES (NEW.environment, NEW.time_entry, NEW.occurred_at, NEW.id, NEW.project, NEW.customer, NEW.team)
    ON CONFLICT (environment, time_entry) DO UPDATE SET invoiced_at = EXCLUDED.invoiced_at, invoice_event_id = EXCLUDED.invoice_event_id,
      invoice_project = EXCLUDED.invoice_project, invoice_customer = EXCLUDED.invoice_customer, invoice_team = EXCLUDED.invoice_team
    WHERE k.invoiced_at IS NULL OR (EXCLUDED.invoiced_at, EXCLUDED.invoice_event_id) < (k.invoiced_at, k.invoice_event_id);
  END IF;
  RETURN NULL;
END $$;

-- Backfill from each entry's first approval event (none says a day before this migration; kept for databases
-- that load events with it, e.g. restored ones).
UPDATE kpi_time_entry k SET performed_on = e.performed_on
FROM business_event e WHERE e.id = k.approval_event_id AND e.performed_on IS NOT NULL;
