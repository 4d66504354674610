-- Coordinator roles (issue 14): a viewer sees the map and the queue but changes nothing;
-- "coordinator" is the dispatcher (assigns, closes, vets volunteers); treasurers also write the
-- ledger; admins do everything.
ALTER TABLE coordinators DROP CONSTRAINT coordinators_role_check;
ALTER TABLE coordinators ADD CONSTRAINT coordinators_role_check
    CHECK (role IN ('viewer', 'coordinator', 'treasurer', 'admin'));
