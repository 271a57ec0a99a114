-- The last version number a deleted script had, so that re-creating a script
-- under the same name continues the numbering instead of starting again at 1.
-- Nodes cache compiled scripts by (name, version); reusing a number would let
-- them keep running the deleted script's code.
CREATE TABLE script_tombstones (
    name         text PRIMARY KEY,
    last_version integer NOT NULL CHECK (last_version > 0),
    deleted_at   timestamptz NOT NULL DEFAULT now()
);
