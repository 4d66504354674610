-- Volunteer groups (issue 12 item 3): each volunteer's current group and role in it, from
-- volunteer-groups (services/store.py save_group). The latest membership wins.
ALTER TABLE volunteers ADD COLUMN group_id uuid;
ALTER TABLE volunteers ADD COLUMN group_name text;
ALTER TABLE volunteers ADD COLUMN group_role text CHECK (group_role IN ('leader', 'member'));
ALTER TABLE volunteers ADD COLUMN grouped_at timestamptz;
