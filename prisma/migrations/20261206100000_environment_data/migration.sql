-- Business events, reconciliation summaries, exceptions and what is derived from them carry the environment of
-- the run that wrote them (docs/environments.md, "Per environment"): the KPIs, business SLOs and reconciliation
-- match rate count production unless asked otherwise, and the exception counters key the environment so the
-- operators' default view (production) stays O(cells).
--
-- The column is set from the run by a BEFORE INSERT trigger, so every writer (the runtime, the demo history, the
-- benchmarks' bulk loads, tests) agrees with run.environment; a run's environment never changes.

CREATE FUNCTION environment_of_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.environment := COALESCE((SELECT r.environment FROM run r WHERE r.id = NEW.run_id), 'production');
  RETURN NEW;
END $$;

ALTER TABLE "business_event" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';
ALTER TABLE "reconciliation_run" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';
ALTER TABLE "exception" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';

-- Backfill: only rows of runs outside production change (every run before environments is production).
-- business_event has no UPDATE trigger (kpi_time_entry is rebuilt below); the exception one ignores this column
-- until it is recreated below, and the counters are rebuilt below anyway.
UPDATE "business_event" e SET environment = r.environment FROM run r WHERE r.id = e.run_id AND r.environment <> 'production';
UPDATE "reconciliation_run" x SET environment = r.environment FROM run r WHERE r.id = x.run_id AND r.environment <> 'production';
UPDATE "exception" x SET environment = r.environment FROM run r WHERE r.id = x.run_id AND r.environment <> 'production';

CREATE TRIGGER business_event_environment BEFORE INSERT ON "business_event"
  FOR EACH ROW EXECUTE FUNCTION environment_of_run();
CREATE TRIGGER reconciliation_run_environment BEFORE INSERT ON "reconciliation_run"
  FOR EACH ROW EXECUTE FUNCTION environment_of_run();
CREATE TRIGGER exception_environment BEFORE INSERT ON "exception"
  FOR EACH ROW EXECUTE FUNCTION environment_of_run();

-- No new indexes: nearly every row is production, so the existing (type, occurred_at) / (approved_at) ranges with
-- the environment as a row filter serve the production default and the "all environments" view alike.

-- ---------- kpi_time_entry: one row per (environment, time entry) ----------
-- (migration 20261205190000_kpi_time_entry; the same rules, per environment: an entry approved in test and in
-- production is two facts.)
DROP TRIGGER kpi_time_entry_insert ON "business_event";
DROP TRIGGER kpi_time_entry_delete ON "business_event";
DROP FUNCTION kpi_time_entry_insert();
DROP FUNCTION kpi_time_entry_delete();
DROP FUNCTION kpi_time_entry_recompute(text[]);

TRUNCATE "kpi_time_entry";
ALTER TABLE "kpi_time_entry" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';
ALTER TABLE "kpi_time_entry" DROP CONSTRAINT "kpi_time_entry_pkey";
ALTER TABLE "kpi_time_entry" ADD CONSTRAINT "kpi_time_entry_pkey" PRIMARY KEY ("environment", "time_entry");

-- Recomputes the rows of the given entries of one environment from business_event (the backfill, and after a delete).
CREATE FUNCTION kpi_time_entry_recompute(env text, entries text[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM kpi_time_entry WHERE environment = env AND time_entry = ANY (entries);
  INSERT INTO kpi_time_entry (environment, time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team,
    run_id, flow_id, invoiced_at, invoice_event_id, invoice_project, invoice_customer, invoice_team)
  SELECT env, coalesce(a.time_entry, i.time_entry), a.occurred_at, a.id, a.hours, a.amount, a.currency, a.project, a.customer, a.person,
    a.team, a.run_id, a.flow_id, i.occurred_at, i.id, i.project, i.customer, i.team
  FROM (SELECT DISTINCT ON (e.time_entry) e.* FROM business_event e
        WHERE e.type = 'time.approved' AND NOT e.is_test AND e.environment = env AND e.time_entry = ANY (entries)
        ORDER BY e.time_entry, e.occurred_at, e.id) a
  FULL JOIN (SELECT DISTINCT ON (e.time_entry) e.* FROM business_event e
        WHERE e.type = 'time.invoiced' AND NOT e.is_test AND e.environment = env AND e.time_entry = ANY (entries)
        ORDER BY e.time_entry, e.occurred_at, e.id) i ON i.time_entry = a.time_entry;
$$;

CREATE FUNCTION kpi_time_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'time.approved' THEN
    INSERT INTO kpi_time_entry AS k (environment, time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team, run_id, flow_id)
    VALUES (NEW.environment, NEW.time_entry, NEW.occurred_at, NEW.id, NEW.hours, NEW.amount, NEW.currency, NEW.project, NEW.customer, NEW.person, NEW.team, NEW.run_id, NEW.flow_id)
    ON CONFLICT (environment, time_entry) DO UPDATE SET approved_at = EXCLUDED.approved_at, approval_event_id = EXCLUDED.approval_event_id,
      hours = EXCLUDED.hours, amount = EXCLUDED.amount, currency = EXCLUDED.currency, project = EXCLUDED.project,
      customer = EXCLUDED.customer, person = EXCLUDED.person, team = EXCLUDED.team, run_id = EXCLUDED.run_id, flow_id = EXCLUDED.flow_id
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

CREATE FUNCTION kpi_time_entry_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM kpi_time_entry k WHERE k.environment = OLD.environment AND k.time_entry = OLD.time_entry
               AND OLD.id IN (k.approval_event_id, k.invoice_event_id)) THEN
    PERFORM kpi_time_entry_recompute(OLD.environment, ARRAY[OLD.time_entry]);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER kpi_time_entry_insert AFTER INSERT ON "business_event"
  FOR EACH ROW WHEN (NEW.type IN ('time.approved', 'time.invoiced') AND NOT NEW.is_test AND NEW.time_entry IS NOT NULL)
  EXECUTE FUNCTION kpi_time_entry_insert();
CREATE TRIGGER kpi_time_entry_delete AFTER DELETE ON "business_event"
  FOR EACH ROW WHEN (OLD.type IN ('time.approved', 'time.invoiced') AND NOT OLD.is_test AND OLD.time_entry IS NOT NULL)
  EXECUTE FUNCTION kpi_time_entry_delete();

SELECT kpi_time_entry_recompute(env, ARRAY(SELECT DISTINCT time_entry FROM business_event
  WHERE type IN ('time.approved', 'time.invoiced') AND NOT is_test AND time_entry IS NOT NULL AND environment = env))
  FROM (SELECT DISTINCT environment FROM business_event) x(env);

-- ---------- exception counters keyed by environment ----------
-- (migrations 20261205170000_exception_tally*: the same design, one more key column.)
TRUNCATE "exception_tally", "exception_signature_tally", "exception_tally_delta";
ALTER TABLE "exception_tally" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';
ALTER TABLE "exception_tally" DROP CONSTRAINT "exception_tally_pkey";
ALTER TABLE "exception_tally" ADD CONSTRAINT "exception_tally_pkey" PRIMARY KEY ("status", "environment", "hour", "flow_id", "error_class", "team_id");
ALTER TABLE "exception_signature_tally" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';
ALTER TABLE "exception_signature_tally" DROP CONSTRAINT "exception_signature_tally_pkey";
ALTER TABLE "exception_signature_tally" ADD CONSTRAINT "exception_signature_tally_pkey" PRIMARY KEY ("status", "environment", "signature", "flow_id", "error_class", "team_id");
ALTER TABLE "exception_tally_delta" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';

CREATE OR REPLACE FUNCTION exception_tally_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO exception_tally_delta (status, environment, hour, flow_id, error_class, team_id, signature, n, amount, hours, amount_n, hours_n)
    VALUES (OLD.status, OLD.environment, date_trunc('hour', OLD.created_at, 'UTC'), OLD.flow_id, OLD.error_class, COALESCE(OLD.assignee_team_id, '00000000-0000-0000-0000-000000000000'::uuid), OLD.signature, -1,
          -COALESCE(OLD.impact_amount, 0)::numeric, -COALESCE(OLD.impact_hours, 0)::numeric, -(OLD.impact_amount IS NOT NULL)::int, -(OLD.impact_hours IS NOT NULL)::int);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO exception_tally_delta (status, environment, hour, flow_id, error_class, team_id, signature, n, amount, hours, amount_n, hours_n)
    VALUES (NEW.status, NEW.environment, date_trunc('hour', NEW.created_at, 'UTC'), NEW.flow_id, NEW.error_class, COALESCE(NEW.assignee_team_id, '00000000-0000-0000-0000-000000000000'::uuid), NEW.signature, 1,
          COALESCE(NEW.impact_amount, 0)::numeric, COALESCE(NEW.impact_hours, 0)::numeric, (NEW.impact_amount IS NOT NULL)::int, (NEW.impact_hours IS NOT NULL)::int);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER exception_tally_update ON "exception";
CREATE TRIGGER exception_tally_update AFTER UPDATE ON "exception"
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at
                     OR OLD.flow_id IS DISTINCT FROM NEW.flow_id OR OLD.error_class IS DISTINCT FROM NEW.error_class
                     OR OLD.assignee_team_id IS DISTINCT FROM NEW.assignee_team_id OR OLD.signature IS DISTINCT FROM NEW.signature
                     OR OLD.impact_amount IS DISTINCT FROM NEW.impact_amount OR OLD.impact_hours IS DISTINCT FROM NEW.impact_hours
                     OR OLD.environment IS DISTINCT FROM NEW.environment)
  EXECUTE FUNCTION exception_tally_row();

CREATE OR REPLACE FUNCTION exception_tally_compact() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('exception_tally_compact')) THEN
    RETURN -1;
  END IF;
  WITH moved AS (DELETE FROM exception_tally_delta RETURNING *), a AS (
    INSERT INTO exception_tally AS t (status, environment, hour, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n)
    SELECT status, environment, hour, flow_id, error_class, team_id, sum(n), sum(amount), sum(hours), sum(amount_n), sum(hours_n) FROM moved
     GROUP BY status, environment, hour, flow_id, error_class, team_id HAVING sum(n) <> 0 OR sum(amount) <> 0 OR sum(hours) <> 0 OR sum(amount_n) <> 0 OR sum(hours_n) <> 0
     ORDER BY status, environment, hour, flow_id, error_class, team_id
    ON CONFLICT (status, environment, hour, flow_id, error_class, team_id)
    DO UPDATE SET n = t.n + EXCLUDED.n, amount = t.amount + EXCLUDED.amount, hours = t.hours + EXCLUDED.hours,
                  amount_n = t.amount_n + EXCLUDED.amount_n, hours_n = t.hours_n + EXCLUDED.hours_n
    RETURNING 1
  ), b AS (
    INSERT INTO exception_signature_tally AS t (status, environment, signature, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n)
    SELECT status, environment, signature, flow_id, error_class, team_id, sum(n), sum(amount), sum(hours), sum(amount_n), sum(hours_n) FROM moved
     GROUP BY status, environment, signature, flow_id, error_class, team_id HAVING sum(n) <> 0 OR sum(amount) <> 0 OR sum(hours) <> 0 OR sum(amount_n) <> 0 OR sum(hours_n) <> 0
     ORDER BY status, environment, signature, flow_id, error_class, team_id
    ON CONFLICT (status, environment, signature, flow_id, error_class, team_id)
    DO UPDATE SET n = t.n + EXCLUDED.n, amount = t.amount + EXCLUDED.amount, hours = t.hours + EXCLUDED.hours,
                  amount_n = t.amount_n + EXCLUDED.amount_n, hours_n = t.hours_n + EXCLUDED.hours_n
    RETURNING 1
  )
  SELECT count(*) INTO folded FROM moved;
  IF folded > 0 THEN
    DELETE FROM exception_tally WHERE n = 0;
    DELETE FROM exception_signature_tally WHERE n = 0;
  END IF;
  RETURN folded;
END $$;

INSERT INTO exception_tally (status, environment, hour, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n)
SELECT status, environment, date_trunc('hour', created_at, 'UTC'), flow_id, error_class, COALESCE(assignee_team_id, '00000000-0000-0000-0000-000000000000'::uuid),
       count(*), COALESCE(sum(impact_amount::numeric), 0), COALESCE(sum(impact_hours::numeric), 0), count(impact_amount), count(impact_hours)
  FROM "exception" GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO exception_signature_tally (status, environment, signature, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n)
SELECT status, environment, signature, flow_id, error_class, COALESCE(assignee_team_id, '00000000-0000-0000-0000-000000000000'::uuid),
       count(*), COALESCE(sum(impact_amount::numeric), 0), COALESCE(sum(impact_hours::numeric), 0), count(impact_amount), count(impact_hours)
  FROM "exception" GROUP BY 1, 2, 3, 4, 5, 6;
