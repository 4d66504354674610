-- Siaga record of truth. Every write from a topic is an upsert keyed by event id (replay-safe).
CREATE EXTENSION IF NOT EXISTS postgis;

-- Transactional outbox: the API acknowledges only after a row is committed here.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    event_id        uuid NOT NULL UNIQUE,
    topic           text NOT NULL,
    key             text NOT NULL,
    value           bytea NOT NULL,
    idempotency_key text UNIQUE,
    request_hash    text,
    response        jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    attempts        int NOT NULL DEFAULT 0,
    last_error      text
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_tracking ON outbox ((response->>'tracking_code'));

-- Liveness of relay, workers and notifier, for /healthz.
CREATE TABLE heartbeats (
    name    text PRIMARY KEY,
    kind    text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    detail  jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE requests (
    request_id        uuid PRIMARY KEY,
    event_id          uuid NOT NULL UNIQUE,
    tracking_code     text NOT NULL UNIQUE,
    channel           text NOT NULL,
    status            text NOT NULL DEFAULT 'open',
    needs             text[] NOT NULL,
    people            int NOT NULL DEFAULT 1,
    households        int,
    vulnerable        text[] NOT NULL DEFAULT '{}',
    urgency           text NOT NULL DEFAULT 'normal',
    text              text NOT NULL DEFAULT '',
    language          text NOT NULL DEFAULT 'id',
    contact_phone     text,
    contact_name      text,
    preferred_channel text,
    geom              geography(Point, 4326),
    location_source   text,
    accuracy_m        double precision,
    place_name        text,
    admin_code        text,
    priority          double precision,
    duplicate_of      uuid REFERENCES requests(request_id),
    verified          boolean NOT NULL DEFAULT false,
    volunteer_id      uuid,
    created_at        timestamptz NOT NULL,
    status_at         timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requests_geom ON requests USING gist (geom);
CREATE INDEX requests_status ON requests (status, priority DESC);
CREATE INDEX requests_created ON requests (created_at);

-- Everyone who reported the same need (dedupe joins reports instead of creating dispatches).
CREATE TABLE request_reports (
    event_id     uuid PRIMARY KEY,
    request_id   uuid NOT NULL,
    channel      text NOT NULL,
    phone        text,
    text         text NOT NULL DEFAULT '',
    reported_at  timestamptz NOT NULL
);
CREATE INDEX request_reports_request ON request_reports (request_id);

CREATE TABLE volunteers (
    volunteer_id      uuid PRIMARY KEY,
    event_id          uuid NOT NULL,
    name              text NOT NULL,
    phone             text NOT NULL UNIQUE,
    skills            text[] NOT NULL DEFAULT '{}',
    vehicle           text NOT NULL DEFAULT 'none',
    home_area         text,
    organisation      text,
    preferred_channel text NOT NULL DEFAULT 'sms',
    language          text NOT NULL DEFAULT 'id',
    geom              geography(Point, 4326),
    available         boolean NOT NULL DEFAULT false,
    capacity          int NOT NULL DEFAULT 1,
    last_seen         timestamptz,
    registered_at     timestamptz NOT NULL
);
CREATE INDEX volunteers_geom ON volunteers USING gist (geom);
CREATE INDEX volunteers_available_geom ON volunteers USING gist (geom) WHERE available;

CREATE TABLE checkins (
    event_id     uuid PRIMARY KEY,
    volunteer_id uuid NOT NULL,
    geom         geography(Point, 4326),
    available    boolean NOT NULL,
    capacity     int NOT NULL,
    occurred_at  timestamptz NOT NULL
);
CREATE INDEX checkins_volunteer ON checkins (volunteer_id, occurred_at DESC);

CREATE TABLE donations (
    event_id       uuid PRIMARY KEY,
    donation_id    uuid NOT NULL UNIQUE,
    kind           text NOT NULL CHECK (kind IN ('pledged', 'received', 'disbursed')),
    amount_idr     bigint,
    goods_category text,
    item           text,
    quantity       double precision,
    unit           text,
    campaign       text NOT NULL,
    donor_name     text,
    donor_public   boolean NOT NULL DEFAULT false,
    corrects       uuid,
    note           text,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
-- The ledger is append-only: corrections are new entries.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the donation ledger is append-only'; END $$;
CREATE TRIGGER donations_append_only BEFORE UPDATE OR DELETE ON donations
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TABLE dispatches (
    offer_id     uuid PRIMARY KEY,
    offer_code   text NOT NULL,
    request_id   uuid NOT NULL,
    volunteer_id uuid NOT NULL,
    status       text NOT NULL,
    distance_m   double precision,
    radius_m     double precision,
    expires_at   timestamptz,
    created_at   timestamptz NOT NULL,
    status_at    timestamptz NOT NULL
);
CREATE INDEX dispatches_request ON dispatches (request_id);
CREATE INDEX dispatches_volunteer ON dispatches (volunteer_id, status);
CREATE INDEX dispatches_code ON dispatches (offer_code);

CREATE TABLE dispatch_history (
    event_id    uuid PRIMARY KEY,
    offer_id    uuid NOT NULL,
    status      text NOT NULL,
    actor       text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX dispatch_history_offer ON dispatch_history (offer_id, occurred_at);

CREATE TABLE situation_log (
    event_id    uuid PRIMARY KEY,
    kind        text NOT NULL,
    request_id  uuid,
    volunteer_id uuid,
    status      text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL
);
CREATE INDEX situation_log_request ON situation_log (request_id, occurred_at);

CREATE TABLE dead_letters (
    event_id    uuid PRIMARY KEY,
    topic       text NOT NULL,
    partition   int,
    "offset"    bigint,
    reason      text NOT NULL,
    payload     text NOT NULL,
    occurred_at timestamptz NOT NULL
);

CREATE TABLE coordinator_actions (
    event_id     uuid PRIMARY KEY,
    action       text NOT NULL,
    request_id   uuid NOT NULL,
    volunteer_id uuid,
    duplicate_of uuid,
    actor        text NOT NULL,
    note         text,
    occurred_at  timestamptz NOT NULL
);
