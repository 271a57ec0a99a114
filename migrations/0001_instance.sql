-- The identity of this PiCloud installation: one row, created with the schema.
-- Nodes of a cluster sharing this database report the same instance id.
CREATE TABLE picloud_instance (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO picloud_instance DEFAULT VALUES;
