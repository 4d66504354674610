-- Donated goods at a pickup point, and the deliveries the dispatch engine carries to open needs
-- (core/ledger/supply.py plans them; services/ledger/supply.py runs a round).

CREATE TABLE supplies (
    entry_id    uuid PRIMARY KEY REFERENCES ledger_entries (entry_id),
    campaign    text NOT NULL,
    category    text NOT NULL,
    item        text,
    unit        text NOT NULL,
    quantity    numeric NOT NULL CHECK (quantity > 0),
    remaining   numeric NOT NULL CHECK (remaining >= 0),
    pickup      geography(Point, 4326) NOT NULL,   -- not public: only the volunteer carrying it sees it
    pickup_name text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supplies_waiting ON supplies USING gist (pickup) WHERE remaining > 0;

CREATE TABLE deliveries (
    delivery_id     uuid PRIMARY KEY,               -- the delivery's request_id in the dispatch engine
    supply_entry_id uuid NOT NULL REFERENCES supplies (entry_id),
    for_request     uuid NOT NULL,                  -- the need it serves
    quantity        numeric NOT NULL CHECK (quantity > 0),
    status          text NOT NULL DEFAULT 'dispatched' CHECK (status IN ('dispatched', 'delivered')),
    disbursed_entry uuid,                            -- the goods-disbursed ledger entry
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (supply_entry_id, for_request)
);
CREATE INDEX deliveries_open ON deliveries (status) WHERE status = 'dispatched';
