-- Payments: a donor starts a donation -> a payment order; the gateway's verified notification
-- records the money (services/payments/). The ledger entries themselves go through the outbox
-- as DonationEvent (topic donations); these tables only remember orders and which money
-- movements were already recorded (the outbox forgets its idempotency keys after 14 days,
-- a gateway can resend a notification much later).

CREATE TABLE payment_orders (
    order_id      text PRIMARY KEY CHECK (order_id ~ '^SG-[0-9A-F]{12}$'),
    gateway       text NOT NULL CHECK (gateway IN ('midtrans', 'xendit')),
    campaign      text NOT NULL REFERENCES campaigns (slug),
    amount_idr    bigint NOT NULL CHECK (amount_idr > 0),
    donor_name    text,
    donor_public  boolean NOT NULL DEFAULT false,
    donor_phone   text,                    -- E.164, private: only for the receipt
    status        text NOT NULL DEFAULT 'created' CHECK (status IN
                      ('created', 'pending', 'challenge', 'failed', 'cancelled', 'expired',
                       'paid', 'partially_refunded', 'refunded')),
    gateway_ref   text,                    -- Snap token or Xendit invoice id
    payment_url   text,                    -- where the donor pays
    received_idr  bigint NOT NULL DEFAULT 0,
    refunded_idr  bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    paid_at       timestamptz
);
CREATE INDEX payment_orders_campaign ON payment_orders (campaign, created_at);
CREATE INDEX payment_orders_open ON payment_orders (created_at) WHERE status IN ('created', 'pending');

-- One row per money movement (Outcome.key, e.g. midtrans:SG-...:received or
-- midtrans:SG-...:refund:<refund_key>), inserted in the transaction that enqueues its
-- DonationEvent: a repeated notification finds the row and records nothing.
CREATE TABLE payment_movements (
    key          text PRIMARY KEY,
    order_id     text NOT NULL REFERENCES payment_orders (order_id),
    kind         text NOT NULL CHECK (kind IN ('received', 'refunded')),
    amount_idr   bigint NOT NULL CHECK (amount_idr > 0),
    donation_id  uuid NOT NULL UNIQUE,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_movements_order ON payment_movements (order_id);
