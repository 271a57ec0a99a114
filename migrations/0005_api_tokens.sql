-- Bearer tokens for the control plane (docs/auth.md). Only a SHA-256 of each
-- token is stored; the secret is shown once, when the token is created.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    -- The bootstrap token (created on first start or set by PICLOUD_ADMIN_TOKEN).
    admin        boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

CREATE UNIQUE INDEX api_tokens_one_admin ON api_tokens (admin) WHERE admin;

-- Revoking (DELETE) or replacing a token's secret is announced, so every
-- node drops its cache of verified tokens at once.
CREATE FUNCTION picloud_notify_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('picloud_tokens', TG_OP);
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_changed AFTER DELETE OR UPDATE OF token_hash ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION picloud_notify_tokens();

-- A user route may require a bearer token ('token') or be public ('none').
ALTER TABLE routes
    ADD COLUMN auth text NOT NULL DEFAULT 'none' CHECK (auth IN ('none', 'token'));
