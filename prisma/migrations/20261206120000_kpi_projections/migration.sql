-- Projections of business_event for the KPI queries that still aggregated events on every read
-- (docs/benchmarks.md "Business KPIs"): deals (won → live in the PSA and the ERP → first invoice of a project
-- created for them), projects (first invoice) and the deal ↔ project links, kept by row-level triggers in the
-- writer's transaction like kpi_time_entry (migration 20261205190000): test events are skipped; a replay's or
-- resumed step's event is never inserted (the writer's ON CONFLICT DO NOTHING) so it fires nothing; "first" is
-- by (occurred_at, id), so an event arriving late or out of order only wins when it is earlier; every write is
-- an upsert that compares with the committed row it locked, so concurrent writers merge.
--
-- A deal's first invoice joins two facts that may commit in either order from concurrent writers: the link
-- (project.created / project.live naming both keys) and the project's invoice.posted. Both paths lock the
-- project's kpi_project row first (creating it when missing), then read the other side in a later statement:
-- under READ COMMITTED each statement sees what the transaction it waited for committed, so whichever commits
-- second carries the invoice to the deal.
--
-- Every projection is keyed by environment first (business_event.environment, migration
-- 20261206100000_environment_data, like kpi_time_entry): the same deal, project or entry in a trial environment
-- and in production is two facts, and only events of one environment combine.
CREATE TABLE "kpi_deal" (
    "environment" TEXT NOT NULL,
    "opportunity" TEXT NOT NULL,
    "won_at" TIMESTAMPTZ(3),
    "won_event_id" BIGINT,
    "psa_live_at" TIMESTAMPTZ(3),
    "psa_event_id" BIGINT,
    "psa_project" TEXT,
    "psa_customer" TEXT,
    "psa_team" TEXT,
    "erp_live_at" TIMESTAMPTZ(3),
    "erp_event_id" BIGINT,
    "erp_project" TEXT,
    "erp_customer" TEXT,
    "erp_team" TEXT,
    "live_at" TIMESTAMPTZ(3),
    "first_invoice_at" TIMESTAMPTZ(3),
    "first_invoice_event_id" BIGINT,
    "invoice_project" TEXT,
    "invoice_customer" TEXT,
    "invoice_team" TEXT,

    CONSTRAINT "kpi_deal_pkey" PRIMARY KEY ("environment", "opportunity")
);
CREATE INDEX "kpi_deal_live_at_idx" ON "kpi_deal"("live_at");
CREATE INDEX "kpi_deal_first_invoice_at_idx" ON "kpi_deal"("first_invoice_at");

CREATE TABLE "kpi_project" (
    "environment" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "invoiced_at" TIMESTAMPTZ(3),
    "invoice_event_id" BIGINT,
    "invoice_customer" TEXT,
    "invoice_team" TEXT,

    CONSTRAINT "kpi_project_pkey" PRIMARY KEY ("environment", "project")
);
CREATE INDEX "kpi_project_invoiced_at_idx" ON "kpi_project"("invoiced_at");

CREATE TABLE "kpi_deal_project" (
    "environment" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "opportunity" TEXT NOT NULL,

    CONSTRAINT "kpi_deal_project_pkey" PRIMARY KEY ("environment", "project", "opportunity")
);
CREATE INDEX "kpi_deal_project_environment_opportunity_idx" ON "kpi_deal_project"("environment", "opportunity");

-- Unbilled approved time per (environment, approval team, currency, UTC day approved, UTC day settled): `settled_day` is the
-- day of the later of approval and first invoicing ('infinity' while not invoiced), so the time unbilled at any
-- instant T is the cells approved before T and settled after it — whole days are read from here, only the
-- entries of the day that contains T (and of the ageing buckets' boundary days) one by one. A few cells per
-- day instead of one row per entry. Kept from kpi_time_entry's changes by appending signed deltas
-- (kpi_unbilled_day_delta), folded every minute by kpi_unbilled_compact() like the exception counters
-- (migration 20261205170000_exception_tally): a counter row updated in the trigger would serialise every
-- writer of a day until it commits. Reads add the pending deltas. team/currency '' stand for none.
CREATE TABLE "kpi_unbilled_day" (
    "environment" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "approved_day" DATE NOT NULL,
    "settled_day" DATE NOT NULL,
    "entries" INTEGER NOT NULL,
    "hours" DECIMAL NOT NULL,
    "amount" DECIMAL NOT NULL,

    CONSTRAINT "kpi_unbilled_day_pkey" PRIMARY KEY ("environment", "team", "currency", "approved_day", "settled_day")
);
CREATE INDEX "kpi_unbilled_day_settled_day_idx" ON "kpi_unbilled_day"("settled_day");

CREATE TABLE "kpi_unbilled_day_delta" (
    "id" BIGSERIAL NOT NULL,
    "environment" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "approved_day" DATE NOT NULL,
    "settled_day" DATE NOT NULL,
    "entries" INTEGER NOT NULL,
    "hours" DECIMAL NOT NULL,
    "amount" DECIMAL NOT NULL,

    CONSTRAINT "kpi_unbilled_day_delta_pkey" PRIMARY KEY ("id")
);

-- The held-up part of unbilled time looks entries up by an open exception's project or customer key.
CREATE INDEX "kpi_time_entry_project_idx" ON "kpi_time_entry"("project");
CREATE INDEX "kpi_time_entry_customer_idx" ON "kpi_time_entry"("customer");

-- Recomputes the projection rows of the given deals / projects of one environment (the backfill, and after a
-- delete removed a first event or a link). A deal's first invoice comes from its links and their projects' rows,
-- so projects first.
CREATE FUNCTION kpi_deal_recompute(env text, opps text[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM kpi_deal WHERE environment = env AND opportunity = ANY (opps);
  INSERT INTO kpi_deal (environment, opportunity, won_at, won_event_id, psa_live_at, psa_event_id, psa_project, psa_customer, psa_team,
    erp_live_at, erp_event_id, erp_project, erp_customer, erp_team, live_at,
    first_invoice_at, first_invoice_event_id, invoice_project, invoice_customer, invoice_team)
  SELECT env, o.opportunity, w.occurred_at, w.id, p.occurred_at, p.id, p.project, p.customer, p.team,
    e.occurred_at, e.id, e.project, e.customer, e.team, CASE WHEN p.id IS NOT NULL AND e.id IS NOT NULL THEN greatest(p.occurred_at, e.occurred_at) END,
    i.invoiced_at, i.invoice_event_id, i.project, i.invoice_customer, i.invoice_team
  FROM (SELECT DISTINCT unnest(opps) AS opportunity) o
  LEFT JOIN LATERAL (SELECT x.id, x.occurred_at FROM business_event x WHERE x.environment = env AND x.opportunity = o.opportunity
                     AND x.type = 'deal.won' AND NOT x.is_test ORDER BY x.occurred_at, x.id LIMIT 1) w ON true
  LEFT JOIN LATERAL (SELECT x.id, x.occurred_at, x.project, x.customer, x.team FROM business_event x WHERE x.environment = env
                     AND x.opportunity = o.opportunity AND x.type = 'project.live' AND x.system = 'psa' AND NOT x.is_test
                     ORDER BY x.occurred_at, x.id LIMIT 1) p ON true
  LEFT JOIN LATERAL (SELECT x.id, x.occurred_at, x.project, x.customer, x.team FROM business_event x WHERE x.environment = env
                     AND x.opportunity = o.opportunity AND x.type = 'project.live' AND x.system = 'erp' AND NOT x.is_test
                     ORDER BY x.occurred_at, x.id LIMIT 1) e ON true
  LEFT JOIN LATERAL (SELECT pr.* FROM kpi_deal_project l JOIN kpi_project pr USING (environment, project)
                     WHERE l.environment = env AND l.opportunity = o.opportunity AND pr.invoiced_at IS NOT NULL
                     ORDER BY pr.invoiced_at, pr.invoice_event_id LIMIT 1) i ON true
  WHERE w.id IS NOT NULL OR p.id IS NOT NULL OR e.id IS NOT NULL OR i.invoice_event_id IS NOT NULL;
$$;

CREATE FUNCTION kpi_project_recompute(env text, projects text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  opps text[];
BEGIN
  opps := ARRAY(SELECT opportunity FROM kpi_deal_project WHERE environment = env AND project = ANY (projects));
  DELETE FROM kpi_project WHERE environment = env AND project = ANY (projects);
  DELETE FROM kpi_deal_project WHERE environment = env AND project = ANY (projects);
  INSERT INTO kpi_deal_project (environment, project, opportunity)
  SELECT DISTINCT env, x.project, x.opportunity FROM business_event x
  WHERE x.environment = env AND x.type IN ('project.created', 'project.live') AND NOT x.is_test AND x.opportunity IS NOT NULL
    AND x.project = ANY (projects);
  -- A row for every linked or invoiced project (the link path creates one to lock it).
  INSERT INTO kpi_project (environment, project, invoiced_at, invoice_event_id, invoice_customer, invoice_team)
  SELECT env, pr.project, i.occurred_at, i.id, i.customer, i.team
  FROM (SELECT project FROM kpi_deal_project WHERE environment = env AND project = ANY (projects)
        UNION SELECT project FROM business_event
              WHERE environment = env AND type = 'invoice.posted' AND NOT is_test AND project = ANY (projects)) pr
  LEFT JOIN LATERAL (SELECT x.id, x.occurred_at, x.customer, x.team FROM business_event x WHERE x.environment = env
                     AND x.project = pr.project AND x.type = 'invoice.posted' AND NOT x.is_test ORDER BY x.occurred_at, x.id LIMIT 1) i ON true;
  PERFORM kpi_deal_recompute(env, opps || ARRAY(SELECT opportunity FROM kpi_deal_project WHERE environment = env AND project = ANY (projects)));
END $$;

CREATE FUNCTION kpi_deal_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'deal.won' AND NEW.opportunity IS NOT NULL THEN
    INSERT INTO kpi_deal AS d (environment, opportunity, won_at, won_event_id) VALUES (NEW.environment, NEW.opportunity, NEW.occurred_at, NEW.id)
    ON CONFLICT (environment, opportunity) DO UPDATE SET won_at = EXCLUDED.won_at, won_event_id = EXCLUDED.won_event_id
    WHERE d.won_at IS NULL OR (EXCLUDED.won_at, EXCLUDED.won_event_id) < (d.won_at, d.won_event_id);
  ELSIF NEW.type = 'invoice.posted' AND NEW.project IS NOT NULL THEN
    -- Locks the project's row (also when this invoice is not its first), then carries a new first invoice to
    -- the deals linked to the project, as committed when the lock was granted.
    INSERT INTO kpi_project AS p (environment, project, invoiced_at, invoice_event_id, invoice_customer, invoice_team)
    VALUES (NEW.environment, NEW.project, NEW.occurred_at, NEW.id, NEW.customer, NEW.team)
    ON CONFLICT (environment, project) DO UPDATE SET invoiced_at = EXCLUDED.invoiced_at, invoice_event_id = EXCLUDED.invoice_event_id,
      invoice_customer = EXCLUDED.invoice_customer, invoice_team = EXCLUDED.invoice_team
    WHERE p.invoiced_at IS NULL OR (EXCLUDED.invoiced_at, EXCLUDED.invoice_event_id) < (p.invoiced_at, p.invoice_event_id);
    IF FOUND THEN
      INSERT INTO kpi_deal AS d (environment, opportunity, first_invoice_at, first_invoice_event_id, invoice_project, invoice_customer, invoice_team)
      SELECT NEW.environment, l.opportunity, NEW.occurred_at, NEW.id, NEW.project, NEW.customer, NEW.team FROM kpi_deal_project l
      WHERE l.environment = NEW.environment AND l.project = NEW.project ORDER BY l.opportunity
      ON CONFLICT (environment, opportunity) DO UPDATE SET first_invoice_at = EXCLUDED.first_invoice_at, first_invoice_event_id = EXCLUDED.first_invoice_event_id,
        invoice_project = EXCLUDED.invoice_project, invoice_customer = EXCLUDED.invoice_customer, invoice_team = EXCLUDED.invoice_team
      WHERE d.first_invoice_at IS NULL OR (EXCLUDED.first_invoice_at, EXCLUDED.first_invoice_event_id) < (d.first_invoice_at, d.first_invoice_event_id);
    END IF;
  END IF;
  IF NEW.type IN ('project.created', 'project.live') AND NEW.opportunity IS NOT NULL AND NEW.project IS NOT NULL THEN
    -- The project's row first (the lock the invoice path takes), then the link, then the project's first
    -- invoice as committed by then onto the deal.
    INSERT INTO kpi_project AS p (environment, project) VALUES (NEW.environment, NEW.project)
    ON CONFLICT (environment, project) DO UPDATE SET project = p.project WHERE false;
    INSERT INTO kpi_deal_project (environment, project, opportunity) VALUES (NEW.environment, NEW.project, NEW.opportunity) ON CONFLICT DO NOTHING;
    IF FOUND THEN
      INSERT INTO kpi_deal AS d (environment, opportunity, first_invoice_at, first_invoice_event_id, invoice_project, invoice_customer, invoice_team)
      SELECT NEW.environment, NEW.opportunity, p.invoiced_at, p.invoice_event_id, p.project, p.invoice_customer, p.invoice_team FROM kpi_project p
      WHERE p.environment = NEW.environment AND p.project = NEW.project AND p.invoiced_at IS NOT NULL
      ON CONFLICT (environment, opportunity) DO UPDATE SET first_invoice_at = EXCLUDED.first_invoice_at, first_invoice_event_id = EXCLUDED.first_invoice_event_id,
        invoice_project = EXCLUDED.invoice_project, invoice_customer = EXCLUDED.invoice_customer, invoice_team = EXCLUDED.invoice_team
      WHERE d.first_invoice_at IS NULL OR (EXCLUDED.first_invoice_at, EXCLUDED.first_invoice_event_id) < (d.first_invoice_at, d.first_invoice_event_id);
    END IF;
  END IF;
  IF NEW.type = 'project.live' AND NEW.opportunity IS NOT NULL AND NEW.system IN ('psa', 'erp') THEN
    IF NEW.system = 'psa' THEN
      INSERT INTO kpi_deal AS d (environment, opportunity, psa_live_at, psa_event_id, psa_project, psa_customer, psa_team)
      VALUES (NEW.environment, NEW.opportunity, NEW.occurred_at, NEW.id, NEW.project, NEW.customer, NEW.team)
      ON CONFLICT (environment, opportunity) DO UPDATE SET psa_live_at = EXCLUDED.psa_live_at, psa_event_id = EXCLUDED.psa_event_id,
        psa_project = EXCLUDED.psa_project, psa_customer = EXCLUDED.psa_customer, psa_team = EXCLUDED.psa_team,
        live_at = CASE WHEN d.erp_live_at IS NOT NULL THEN greatest(EXCLUDED.psa_live_at, d.erp_live_at) END
      WHERE d.psa_live_at IS NULL OR (EXCLUDED.psa_live_at, EXCLUDED.psa_event_id) < (d.psa_live_at, d.psa_event_id);
    ELSE
      INSERT INTO kpi_deal AS d (environment, opportunity, erp_live_at, erp_event_id, erp_project, erp_customer, erp_team)
      VALUES (NEW.environment, NEW.opportunity, NEW.occurred_at, NEW.id, NEW.project, NEW.customer, NEW.team)
      ON CONFLICT (environment, opportunity) DO UPDATE SET erp_live_at = EXCLUDED.erp_live_at, erp_event_id = EXCLUDED.erp_event_id,
        erp_project = EXCLUDED.erp_project, erp_customer = EXCLUDED.erp_customer, erp_team = EXCLUDED.erp_team,
        live_at = CASE WHEN d.psa_live_at IS NOT NULL THEN greatest(d.psa_live_at, EXCLUDED.erp_live_at) END
      WHERE d.erp_live_at IS NULL OR (EXCLUDED.erp_live_at, EXCLUDED.erp_event_id) < (d.erp_live_at, d.erp_event_id);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- A deleted event (a run deleted, cascading) matters when it was a deal's or project's first, or a link.
CREATE FUNCTION kpi_deal_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.project IS NOT NULL AND (OLD.type IN ('project.created', 'project.live') AND OLD.opportunity IS NOT NULL
       OR EXISTS (SELECT 1 FROM kpi_project p WHERE p.environment = OLD.environment AND p.project = OLD.project
                    AND p.invoice_event_id = OLD.id)) THEN
    PERFORM kpi_project_recompute(OLD.environment, ARRAY[OLD.project]);
  END IF;
  IF OLD.opportunity IS NOT NULL AND EXISTS (SELECT 1 FROM kpi_deal d WHERE d.environment = OLD.environment
       AND d.opportunity = OLD.opportunity AND OLD.id IN (d.won_event_id, d.psa_event_id, d.erp_event_id)) THEN
    PERFORM kpi_deal_recompute(OLD.environment, ARRAY[OLD.opportunity]);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION kpi_deal_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE kpi_deal, kpi_project, kpi_deal_project;
  RETURN NULL;
END $$;

CREATE TRIGGER kpi_deal_insert AFTER INSERT ON "business_event"
  FOR EACH ROW WHEN (NEW.type IN ('deal.won', 'project.created', 'project.live', 'invoice.posted') AND NOT NEW.is_test)
  EXECUTE FUNCTION kpi_deal_insert();
CREATE TRIGGER kpi_deal_delete AFTER DELETE ON "business_event"
  FOR EACH ROW WHEN (OLD.type IN ('deal.won', 'project.created', 'project.live', 'invoice.posted') AND NOT OLD.is_test)
  EXECUTE FUNCTION kpi_deal_delete();
CREATE TRIGGER kpi_deal_truncate AFTER TRUNCATE ON "business_event"
  FOR EACH STATEMENT EXECUTE FUNCTION kpi_deal_truncate();

-- kpi_time_entry → signed deltas of its cell: an entry counts once approved; its first invoicing moves it from
-- the 'infinity' settled day to the day it was settled (an entry invoiced but never approved has no cell).
CREATE FUNCTION kpi_unbilled_day_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.approved_at IS NOT NULL THEN
    INSERT INTO kpi_unbilled_day_delta (environment, team, currency, approved_day, settled_day, entries, hours, amount)
    VALUES (OLD.environment, coalesce(OLD.team, ''), coalesce(OLD.currency, ''), (OLD.approved_at AT TIME ZONE 'UTC')::date,
      CASE WHEN OLD.invoiced_at IS NULL THEN 'infinity'::date ELSE (greatest(OLD.approved_at, OLD.invoiced_at) AT TIME ZONE 'UTC')::date END,
      -1, -coalesce(OLD.hours, 0), -coalesce(OLD.amount, 0));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.approved_at IS NOT NULL THEN
    INSERT INTO kpi_unbilled_day_delta (environment, team, currency, approved_day, settled_day, entries, hours, amount)
    VALUES (NEW.environment, coalesce(NEW.team, ''), coalesce(NEW.currency, ''), (NEW.approved_at AT TIME ZONE 'UTC')::date,
      CASE WHEN NEW.invoiced_at IS NULL THEN 'infinity'::date ELSE (greatest(NEW.approved_at, NEW.invoiced_at) AT TIME ZONE 'UTC')::date END,
      1, coalesce(NEW.hours, 0), coalesce(NEW.amount, 0));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER kpi_unbilled_day_insert AFTER INSERT ON "kpi_time_entry"
  FOR EACH ROW WHEN (NEW.approved_at IS NOT NULL) EXECUTE FUNCTION kpi_unbilled_day_row();
CREATE TRIGGER kpi_unbilled_day_update AFTER UPDATE ON "kpi_time_entry"
  FOR EACH ROW WHEN (OLD.approved_at IS DISTINCT FROM NEW.approved_at OR OLD.invoiced_at IS DISTINCT FROM NEW.invoiced_at
                     OR OLD.team IS DISTINCT FROM NEW.team OR OLD.currency IS DISTINCT FROM NEW.currency
                     OR OLD.hours IS DISTINCT FROM NEW.hours OR OLD.amount IS DISTINCT FROM NEW.amount
                     OR OLD.environment IS DISTINCT FROM NEW.environment)
  EXECUTE FUNCTION kpi_unbilled_day_row();
CREATE TRIGGER kpi_unbilled_day_delete AFTER DELETE ON "kpi_time_entry"
  FOR EACH ROW WHEN (OLD.approved_at IS NOT NULL) EXECUTE FUNCTION kpi_unbilled_day_row();

CREATE FUNCTION kpi_unbilled_day_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE kpi_unbilled_day, kpi_unbilled_day_delta;
  RETURN NULL;
END $$;
CREATE TRIGGER kpi_unbilled_day_truncate AFTER TRUNCATE ON "kpi_time_entry"
  FOR EACH STATEMENT EXECUTE FUNCTION kpi_unbilled_day_truncate();

-- Folds the pending deltas into the cells in key order and drops emptied cells; one compactor at a time
-- (another caller returns -1 at once). Returns how many deltas it folded.
CREATE FUNCTION kpi_unbilled_compact() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('kpi_unbilled_compact')) THEN
    RETURN -1;
  END IF;
  WITH moved AS (DELETE FROM kpi_unbilled_day_delta RETURNING *), a AS (
    INSERT INTO kpi_unbilled_day AS t (environment, team, currency, approved_day, settled_day, entries, hours, amount)
    SELECT environment, team, currency, approved_day, settled_day, sum(entries), sum(hours), sum(amount) FROM moved
     GROUP BY environment, team, currency, approved_day, settled_day HAVING sum(entries) <> 0 OR sum(hours) <> 0 OR sum(amount) <> 0
     ORDER BY environment, team, currency, approved_day, settled_day
    ON CONFLICT (environment, team, currency, approved_day, settled_day)
    DO UPDATE SET entries = t.entries + EXCLUDED.entries, hours = t.hours + EXCLUDED.hours, amount = t.amount + EXCLUDED.amount
    RETURNING 1
  )
  SELECT count(*) INTO folded FROM moved;
  DELETE FROM kpi_unbilled_day WHERE entries = 0 AND hours = 0 AND amount = 0;
  RETURN folded;
END $$;

-- Backfill from the events already recorded (and kpi_time_entry, kept since 20261205190000), per environment.
SELECT kpi_project_recompute(env, ARRAY(SELECT DISTINCT project FROM business_event
  WHERE type IN ('invoice.posted', 'project.created', 'project.live') AND NOT is_test AND project IS NOT NULL AND environment = env))
  FROM (SELECT DISTINCT environment FROM business_event) x(env);
SELECT kpi_deal_recompute(env, ARRAY(SELECT DISTINCT opportunity FROM business_event
  WHERE type IN ('deal.won', 'project.live') AND NOT is_test AND opportunity IS NOT NULL AND environment = env))
  FROM (SELECT DISTINCT environment FROM business_event) x(env);
INSERT INTO kpi_unbilled_day (environment, team, currency, approved_day, settled_day, entries, hours, amount)
SELECT environment, coalesce(team, ''), coalesce(currency, ''), (approved_at AT TIME ZONE 'UTC')::date,
  CASE WHEN invoiced_at IS NULL THEN 'infinity'::date ELSE (greatest(approved_at, invoiced_at) AT TIME ZONE 'UTC')::date END,
  count(*), sum(coalesce(hours, 0)), sum(coalesce(amount, 0))
FROM kpi_time_entry WHERE approved_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
