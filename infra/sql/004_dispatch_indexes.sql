-- Foreign-key checks on requests.duplicate_of scan the table without this (deletes were O(n^2)).
CREATE INDEX IF NOT EXISTS requests_duplicate_of ON requests (duplicate_of) WHERE duplicate_of IS NOT NULL;
-- The live map and the offer history look offers up by status and time.
CREATE INDEX IF NOT EXISTS dispatches_status ON dispatches (status, status_at);
