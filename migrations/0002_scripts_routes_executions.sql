-- Scripts are named; every upload adds an immutable version. The current
-- version is a pointer so that rollback is a one-row update.
CREATE TABLE scripts (
    name            text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    current_version integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE script_versions (
    script_name     text NOT NULL REFERENCES scripts (name) ON DELETE CASCADE,
    version         integer NOT NULL CHECK (version > 0),
    source          text NOT NULL,
    timeout_seconds double precision NOT NULL CHECK (timeout_seconds > 0),
    limits          jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (script_name, version)
);

ALTER TABLE scripts
    ADD FOREIGN KEY (name, current_version) REFERENCES script_versions (script_name, version)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE routes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    method        text NOT NULL,
    path          text NOT NULL,
    script_name   text NOT NULL REFERENCES scripts (name) ON DELETE RESTRICT,
    dispatch_mode text NOT NULL DEFAULT 'sync' CHECK (dispatch_mode IN ('sync', 'async')),
    max_attempts  integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (method, path)
);

-- One row per execution. A 'pending' row is the outbox entry the dispatcher
-- claims (FOR UPDATE SKIP LOCKED, then a lease); the same row then records
-- the outcome, so an invocation is one row from acceptance to result.
CREATE TABLE executions (
    id               uuid PRIMARY KEY,
    trigger          text NOT NULL,               -- 'http', 'kv', 'cron'
    route_id         bigint REFERENCES routes (id) ON DELETE SET NULL,
    script_name      text NOT NULL,
    script_version   integer NOT NULL,
    dispatch_mode    text NOT NULL,               -- 'sync' or 'async'
    status           text NOT NULL CHECK (status IN
                       ('pending', 'running', 'succeeded', 'failed', 'dead_lettered')),
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 1,
    input            jsonb NOT NULL,              -- the request or event the script sees
    next_attempt_at  timestamptz,                 -- when a pending row may be claimed
    lease_owner      text,
    lease_expires_at timestamptz,
    idempotency_key  text,
    http_status      integer,
    result           jsonb,
    error            jsonb,
    logs             jsonb NOT NULL DEFAULT '[]',
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);

CREATE INDEX executions_claimable ON executions (next_attempt_at) WHERE status = 'pending';
CREATE INDEX executions_leased ON executions (lease_expires_at) WHERE status = 'running';
CREATE INDEX executions_newest ON executions (created_at DESC, id DESC);
CREATE INDEX executions_by_script ON executions (script_name, created_at DESC);
CREATE INDEX executions_by_route ON executions (route_id, created_at DESC);
CREATE UNIQUE INDEX executions_idempotency ON executions (route_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Every change to what routes exist or which script version they run is
-- announced, so every node's in-memory route table refreshes.
CREATE FUNCTION picloud_notify_routes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('picloud_routes', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER routes_changed AFTER INSERT OR UPDATE OR DELETE ON routes
    FOR EACH STATEMENT EXECUTE FUNCTION picloud_notify_routes();
CREATE TRIGGER scripts_changed AFTER INSERT OR UPDATE OR DELETE ON scripts
    FOR EACH STATEMENT EXECUTE FUNCTION picloud_notify_routes();
