-- Cron schedules: run a script at the ticks of a cron expression, evaluated
-- in an IANA time zone. The scheduler turns each tick into one pending
-- execution row (trigger 'cron'); schedule_fires makes that happen once per
-- (schedule, tick) however many schedulers share the database.
CREATE TABLE schedules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cron          text NOT NULL,
    timezone      text NOT NULL DEFAULT 'UTC',
    -- NO ACTION (not RESTRICT): deleting a script a schedule runs is refused
    -- with the foreign-key error the script delete already answers with 409.
    script_name   text NOT NULL REFERENCES scripts (name),
    enabled       boolean NOT NULL DEFAULT true,
    -- Ticks at or before this time are never fired: set on creation, when
    -- the cron expression or time zone changes and when re-enabled, so that
    -- none of these "catches up" on ticks from before the change.
    fires_after   timestamptz NOT NULL,
    -- The tick (scheduled time, not the wall time of firing) fired last.
    last_fired_at timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX schedules_by_script ON schedules (script_name);

-- One row per fired (schedule, tick), inserted in the same transaction as
-- the execution row. Only the latest tick of each schedule is kept (older
-- ones are pruned as newer ones fire): the scheduler never fires a tick at
-- or before last_fired_at, so the key is only needed for the newest one.
CREATE TABLE schedule_fires (
    schedule_id  bigint NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    fire_time    timestamptz NOT NULL,
    execution_id uuid NOT NULL,
    fired_at     timestamptz NOT NULL,
    PRIMARY KEY (schedule_id, fire_time)
);

-- Every change to what should fire is announced, so every scheduler
-- re-plans. Firing itself only sets last_fired_at and announces nothing.
CREATE FUNCTION picloud_notify_schedules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('picloud_schedules', '');
    RETURN NULL;
END $$;

CREATE TRIGGER schedules_changed
    AFTER INSERT OR DELETE OR UPDATE OF cron, timezone, script_name, enabled, fires_after ON schedules
    FOR EACH STATEMENT EXECUTE FUNCTION picloud_notify_schedules();
