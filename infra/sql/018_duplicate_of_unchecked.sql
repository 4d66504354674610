-- requests.duplicate_of names the request this one repeats. The matcher's "duplicate" update and
-- the original request travel on different topics and partitions, so the sink can store the
-- update before the original (seen in the cluster fault test during a broker failover): the
-- foreign key then refused the update and it went to the dead letters, leaving the duplicate
-- "open". Like a check-in stored before its volunteer's registration, the reference is kept
-- unchecked; readers LEFT JOIN it, and the coordinator route checks the original exists.
ALTER TABLE requests DROP CONSTRAINT IF EXISTS requests_duplicate_of_fkey;
