-- A looping SMS gateway sends the same text again and again under new MessageSids: the same
-- text from the same phone within a window is a repeat (services/messaging/inbound.py).
ALTER TABLE inbound_messages ADD COLUMN body_hash bytea;
ALTER TABLE inbound_messages ADD COLUMN replied_at timestamptz;
CREATE INDEX inbound_messages_repeat ON inbound_messages (phone, body_hash, received_at);
CREATE INDEX inbound_messages_replies ON inbound_messages (phone, replied_at) WHERE replied_at IS NOT NULL;
