-- Utilisation per team is per the person's team in the firm — their organisation in the HRIS (Workday's primary
-- supervisory organisation) — not per the Weft team that owns the recording flow (docs/kpis.md "Utilisation
-- variance"). A fact carries it as its own business key, personTeam, with the name the HRIS shows for it
-- (the DSL's personTeamName): Weft teams own flows, HRIS organisations employ people.
ALTER TABLE "business_event" ADD COLUMN "person_team" TEXT, ADD COLUMN "person_team_name" TEXT;
-- The Business page's list of HRIS teams (each id with its latest name) reads this instead of every event.
CREATE INDEX "business_event_person_team_occurred_at_idx" ON "business_event"("person_team", "occurred_at");
ALTER TABLE "kpi_time_entry" ADD COLUMN "person_team" TEXT, ADD COLUMN "person_team_name" TEXT;

-- As in migration 20261207170000_time_performed_on, plus the first approval's person team and its name.
CREATE OR REPLACE FUNCTION kpi_time_entry_recompute(env text, entries text[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM kpi_time_entry WHERE environment = env AND time_entry = ANY (entries);
  INSERT INTO kpi_time_entry (environment, time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team,
    run_id, flow_id, performed_on, person_team, person_team_name, invoiced_at, invoice_event_id, invoice_project, invoice_customer, invoice_team)
  SELECT env, coalesce(a.time_entry, i.time_entry), a.occurred_at, a.id, a.hours, a.amount, a.currency, a.project, a.customer, a.person,
    a.team, a.run_id, a.flow_id, a.performed_on, a.person_team, a.person_team_name, i.occurred_at, i.id, i.project, i.customer, i.team
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
    INSERT INTO kpi_time_entry AS k (environment, time_entry, approved_at, approval_event_id, hours, amount, currency, project, customer, person, team,
      run_id, flow_id, performed_on, person_team, person_team_name)
    VALUES (NEW.environment, NEW.time_entry, NEW.occurred_at, NEW.id, NEW.hours, NEW.amount, NEW.currency, NEW.project, NEW.customer, NEW.person, NEW.team,
      NEW.run_id, NEW.flow_id, NEW.performed_on, NEW.person_team, NEW.person_team_name)
    ON CONFLICT (environment, time_entry) DO UPDATE SET approved_at = EXCLUDED.approved_at, approval_event_id = EXCLUDED.approval_event_id,
      hours = EXCLUDED.hours, amount = EXCLUDED.amount, currency = EXCLUDED.currency, project = EXCLUDED.project,
      customer = EXCLUDED.customer, person = EXCLUDED.person, team = EXCLUDED.team, run_id = EXCLUDED.run_id, flow_id = EXCLUDED.flow_id,
      performed_on = EXCLUDED.performed_on, person_team = EXCLUDED.person_team, person_team_name = EXCLUDED.person_team_name
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
