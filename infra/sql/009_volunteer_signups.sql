-- Volunteer sign-up from the web page: the phone is confirmed by a one-time code before the
-- volunteer is registered (and so before any offer can go to it). services/signup.py.
CREATE TABLE volunteer_signups (
    signup_id    uuid PRIMARY KEY,
    phone        text NOT NULL,
    payload      jsonb NOT NULL,          -- the form (name, skills, vehicle, capacity, area, group)
    code_hash    bytea NOT NULL,          -- SHA-256 of signup_id and the code: the code is never stored
    tries        int NOT NULL DEFAULT 0,
    sends        int NOT NULL DEFAULT 1,
    ip           text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    confirmed_at timestamptz
);
CREATE INDEX volunteer_signups_phone ON volunteer_signups (phone, created_at);
CREATE INDEX volunteer_signups_ip ON volunteer_signups (ip, created_at);
