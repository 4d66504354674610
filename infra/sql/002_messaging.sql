-- SMS/WhatsApp: inbound de-duplication, conversation state, opt-outs, outbound notifications.
-- See docs/messaging.md for the flows and the guarantees these tables carry.

-- One row per inbound Twilio MessageSid, inserted first in the transaction that applies the
-- message: a Twilio retry finds the row and gets the same answer, nothing happens twice.
CREATE TABLE inbound_messages (
    message_sid  text PRIMARY KEY,
    channel      text NOT NULL,
    phone        text NOT NULL,
    outcome      text NOT NULL,            -- what the message was taken as (request, located, reply, ...)
    reply        text,                     -- the TwiML message we answered with (repeated on a retry)
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);

-- A short conversation per phone: a request waiting for its location.
CREATE TABLE conversations (
    phone         text PRIMARY KEY,
    request_id    uuid NOT NULL,
    tracking_code text NOT NULL,
    channel       text NOT NULL,
    language      text NOT NULL DEFAULT 'id',
    needs         text[] NOT NULL DEFAULT '{}',
    candidates    jsonb NOT NULL DEFAULT '[]',   -- places offered as numbered choices
    updated_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

-- Opt-out registry: STOP (and Twilio error 21610) sets it, START clears it; the notifier
-- never sends to an opted-out number.
CREATE TABLE opt_outs (
    phone       text PRIMARY KEY,
    opted_out   boolean NOT NULL,
    reason      text NOT NULL,               -- keyword word, or 'twilio-21610'
    changed_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per notification_id: claimed ('sending') and committed BEFORE the Twilio call,
-- completed after it. A row left in 'sending' by a crash is reconciled against Twilio's
-- message list before anything is sent again.
CREATE TABLE notifications (
    notification_id uuid PRIMARY KEY,
    event_id        uuid NOT NULL,
    to_phone        text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    template        text NOT NULL,
    language        text NOT NULL,
    body            text NOT NULL,
    request_id      uuid,
    volunteer_id    uuid,
    fallback_of     uuid,                    -- the WhatsApp notification this SMS replaces
    state           text NOT NULL CHECK (state IN
                        ('sending', 'sent', 'retry_wait', 'failed', 'opted_out', 'invalid')),
    claimed_by      text,
    claimed_at      timestamptz,
    tries           int NOT NULL DEFAULT 0,  -- claims (first send, reconciliations, later retries)
    next_try_at     timestamptz,             -- when a 'retry_wait' row is tried again
    sid             text UNIQUE,
    sent_channel    text,
    api_attempts    int NOT NULL DEFAULT 0,  -- REST calls of the last try
    error_code      int,
    error_message   text,
    reconciled      boolean NOT NULL DEFAULT false,  -- the sid was found at Twilio after a crash
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_open ON notifications (state, next_try_at)
    WHERE state IN ('sending', 'retry_wait');
CREATE INDEX notifications_request ON notifications (request_id);
CREATE INDEX notifications_volunteer ON notifications (volunteer_id);

-- Delivery status by Twilio message sid, from status callbacks (only ever moves forward).
-- Kept apart from notifications: a callback may arrive before the notifier stored the sid.
CREATE TABLE message_status (
    sid         text PRIMARY KEY,
    status      text NOT NULL,
    error_code  int,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW notification_delivery AS
SELECT n.notification_id, n.request_id, n.volunteer_id, n.template, n.channel, n.sent_channel,
       n.state, n.sid, COALESCE(s.status, CASE WHEN n.state = 'sent' THEN 'queued' END) AS delivery_status,
       COALESCE(s.error_code, n.error_code) AS error_code, n.sent_at, s.updated_at AS status_at
  FROM notifications n LEFT JOIN message_status s ON s.sid = n.sid;
