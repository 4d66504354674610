-- Needs that take several people (issue 12 item 3): how many volunteers the need takes (from
-- the request, its category, or later a coordinator), and how many hold a slot now. Written by
-- the store sink: the request event sets the first, the matcher's situation updates both.
ALTER TABLE requests ADD COLUMN volunteers_needed integer NOT NULL DEFAULT 1
    CHECK (volunteers_needed BETWEEN 1 AND 50);
ALTER TABLE requests ADD COLUMN volunteers_filled integer NOT NULL DEFAULT 0;
