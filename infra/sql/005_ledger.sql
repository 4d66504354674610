-- Donations people can trust: treasurers, organisers and campaigns, and the public ledger
-- (a hash chain that is also a Merkle log with signed checkpoints; docs/ledger.md).

-- Treasurers record goods received, disbursements and corrections; admins can do everything.
ALTER TABLE coordinators DROP CONSTRAINT coordinators_role_check;
ALTER TABLE coordinators ADD CONSTRAINT coordinators_role_check
    CHECK (role IN ('coordinator', 'treasurer', 'admin'));

-- Who collects the money. Verification is done by a coordinator who saw a document
-- (foundation deed, fundraising permit, community letter); the public page shows it.
CREATE TABLE organisers (
    organiser_id      uuid PRIMARY KEY,
    name              text NOT NULL CHECK (length(name) BETWEEN 2 AND 120),
    kind              text NOT NULL CHECK (kind IN ('foundation', 'community', 'government', 'company', 'individual')),
    verification      text NOT NULL DEFAULT 'unverified' CHECK (verification IN ('unverified', 'verified', 'suspended')),
    verified_by       text REFERENCES coordinators (username),
    verified_document text,
    verified_at       timestamptz,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    slug          text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{2,59}$'),
    title         text NOT NULL CHECK (length(title) BETWEEN 3 AND 160),
    incident      text NOT NULL,
    organiser_id  uuid NOT NULL REFERENCES organisers (organiser_id),
    goal_idr      bigint NOT NULL CHECK (goal_idr > 0),
    account       text NOT NULL,               -- bank or gateway account the money goes to
    permit_pub    text,                        -- fundraising permit (PUB) number, where there is one
    opex_declared numeric(5, 2) NOT NULL CHECK (opex_declared BETWEEN 0 AND 100),  -- % for operations
    area          text,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The ledger. `body` is the entry exactly as hashed (canonical JSON, core/ledger/canonical.py);
-- everything public is read from it, so what people see is what the checkpoints sign.
CREATE TABLE ledger_entries (
    seq         bigint PRIMARY KEY CHECK (seq >= 0),
    entry_id    uuid NOT NULL UNIQUE,     -- the donation_id of the event
    event_id    uuid NOT NULL UNIQUE,
    body        text NOT NULL,
    entry_hash  text NOT NULL,
    leaf_hash   bytea NOT NULL,           -- RFC 6962 leaf hash of body
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_campaign ON ledger_entries (((body::jsonb) ->> 'campaign'));
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TABLE ledger_checkpoints (
    size      bigint PRIMARY KEY,
    root_hash text NOT NULL,
    note      text NOT NULL,              -- the signed checkpoint (C2SP tlog-checkpoint)
    signed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- A donor's receipt code shows their entry and its inclusion proof, and nothing about them.
CREATE TABLE ledger_receipts (
    code     text PRIMARY KEY,
    entry_id uuid NOT NULL UNIQUE REFERENCES ledger_entries (entry_id)
);

-- "Report this campaign": reaches the coordinators; the reporter may stay anonymous.
CREATE TABLE campaign_reports (
    report_id  bigserial PRIMARY KEY,
    slug       text NOT NULL REFERENCES campaigns (slug),
    reason     text NOT NULL CHECK (reason IN ('fake', 'misuse', 'privacy', 'other')),
    details    text,
    created_at timestamptz NOT NULL DEFAULT now(),
    handled_by text,
    handled_at timestamptz
);

-- The old unauthenticated table: entries are now only written to the ledger above.
DROP TRIGGER donations_append_only ON donations;
DROP TABLE donations;

-- The public half of the deployment's checkpoint key(s), written by the ledger writer (the only
-- holder of the private key); the API publishes them. A rotated key keeps its row.
CREATE TABLE ledger_keys (
    vkey       text PRIMARY KEY,           -- C2SP signed-note verifier key
    created_at timestamptz NOT NULL DEFAULT now()
);
