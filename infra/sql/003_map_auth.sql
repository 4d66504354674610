-- Coordinators' map: sign-in, a resumable live feed, and indexes for bounding-box queries.

-- Accounts. Passwords are argon2id hashes (services/auth/passwords.py), never plain text.
CREATE TABLE coordinators (
    username      text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,39}$'),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('coordinator', 'admin')),
    display_name  text,
    active        boolean NOT NULL DEFAULT true,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Server-side sessions: the cookie carries a random token, the table only its SHA-256, so a
-- copy of this table does not let anyone sign in; logout and expiry take effect at once.
CREATE TABLE coordinator_sessions (
    token_hash bytea PRIMARY KEY,
    username   text NOT NULL REFERENCES coordinators (username) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX coordinator_sessions_expiry ON coordinator_sessions (expires_at);

-- Failed sign-ins, for the rate limit (kept in the database so every API process agrees).
CREATE TABLE login_failures (
    id       bigserial PRIMARY KEY,
    username text NOT NULL,
    ip       text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (username, ip, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- Live feed: situation_log rows and newly stored requests share one sequence, so a client
-- that reconnects with Last-Event-ID gets exactly what it missed. Each writer takes one
-- transaction-scoped advisory lock before drawing its number, so numbers become visible in
-- commit order: a reader that has seen N can never later find a committed row below N.
CREATE SEQUENCE live_seq;

ALTER TABLE situation_log ADD COLUMN seq bigint;
UPDATE situation_log s SET seq = o.n
  FROM (SELECT event_id, nextval('live_seq') AS n FROM situation_log ORDER BY occurred_at) o
 WHERE s.event_id = o.event_id;
ALTER TABLE situation_log ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX situation_log_seq ON situation_log (seq);

ALTER TABLE requests ADD COLUMN live_seq bigint;
CREATE INDEX requests_live_seq ON requests (live_seq) WHERE live_seq IS NOT NULL;

CREATE FUNCTION live_seq_assign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7324101);  -- held until commit: numbers in commit order
    IF TG_TABLE_NAME = 'situation_log' THEN
        NEW.seq := nextval('live_seq');
    ELSE
        NEW.live_seq := nextval('live_seq');
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The payload says which layer changed; readers query by sequence number, so one
    -- notification per statement is enough (PostgreSQL folds equal ones in a transaction).
    PERFORM pg_notify('situation', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER situation_log_seq BEFORE INSERT ON situation_log
    FOR EACH ROW EXECUTE FUNCTION live_seq_assign();
CREATE TRIGGER situation_log_notify AFTER INSERT ON situation_log
    FOR EACH STATEMENT EXECUTE FUNCTION live_notify();
CREATE TRIGGER requests_live_seq BEFORE INSERT ON requests
    FOR EACH ROW EXECUTE FUNCTION live_seq_assign();
CREATE TRIGGER requests_notify AFTER INSERT ON requests
    FOR EACH STATEMENT EXECUTE FUNCTION live_notify();
-- Offers and volunteers change often and are not numbered (no lock on those hot paths):
-- they only wake the readers, which tell the map to refresh those layers.
CREATE TRIGGER dispatches_notify AFTER INSERT OR UPDATE ON dispatches
    FOR EACH STATEMENT EXECUTE FUNCTION live_notify();
CREATE TRIGGER volunteers_notify AFTER INSERT OR UPDATE ON volunteers
    FOR EACH STATEMENT EXECUTE FUNCTION live_notify();

-- Bounding boxes are lon/lat rectangles: a planar index on the geometry cast answers
-- `geom::geometry && ST_MakeEnvelope(...)` exactly (a geography box would bulge).
CREATE INDEX requests_geom_planar ON requests USING gist ((geom::geometry));
CREATE INDEX volunteers_geom_planar ON volunteers USING gist ((geom::geometry));
CREATE INDEX dispatches_live ON dispatches (status, status_at)
    WHERE status IN ('offered', 'accepted', 'on_the_way');
CREATE INDEX coordinator_actions_request ON coordinator_actions (request_id, occurred_at);
CREATE INDEX requests_done_at ON requests (status_at) WHERE status = 'done';
