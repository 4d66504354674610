-- Vetting of volunteers (issue 12): every volunteer starts "confirmed" (the phone is proven);
-- a coordinator may verify them (a licence seen, a leader vouched) or suspend them. Written by
-- the store sink from volunteer-vetting (services/store.py save_vetting).
ALTER TABLE volunteers ADD COLUMN vetting text NOT NULL DEFAULT 'confirmed'
    CHECK (vetting IN ('confirmed', 'verified', 'suspended'));
ALTER TABLE volunteers ADD COLUMN vetted_by text;
ALTER TABLE volunteers ADD COLUMN vetted_at timestamptz;
ALTER TABLE volunteers ADD COLUMN vetting_note text;
