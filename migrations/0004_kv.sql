-- The key-value store scripts use. Keys sort byte-wise (collation "C") so
-- that prefix listings are plain index range scans whatever the database's
-- default collation is.
CREATE TABLE kv (
    key        text COLLATE "C" PRIMARY KEY CHECK (octet_length(key) BETWEEN 1 AND 512),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A committed KV write whose key matches a trigger's glob pattern inserts a
-- pending execution of the trigger's script in the same transaction.
CREATE TABLE kv_triggers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pattern      text NOT NULL CHECK (length(pattern) BETWEEN 1 AND 512),
    script_name  text NOT NULL REFERENCES scripts (name) ON DELETE RESTRICT,
    ops          text[] NOT NULL CHECK (ops <@ ARRAY['set', 'delete'] AND cardinality(ops) > 0),
    max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- How many trigger hops led to an execution: a trigger script writing keys
-- that fire triggers again is cut off past a configured depth.
ALTER TABLE executions ADD COLUMN chain_depth integer NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN trigger_id bigint REFERENCES kv_triggers (id) ON DELETE SET NULL;
