-- Reports of what people see carry the point of their place in detail (core/conversation.py);
-- services/active_areas.py reads the last two days of them once a minute to learn where the
-- disaster is.
CREATE INDEX IF NOT EXISTS situation_log_reports ON situation_log (occurred_at) WHERE kind = 'report';
