"""Database side of SMS/WhatsApp: inbound de-duplication, conversations, opt-outs,
notification claims and delivery status (tables in infra/sql/002_messaging.sql)."""
