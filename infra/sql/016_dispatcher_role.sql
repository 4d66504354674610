-- Roles as the coordinators' side names them (issue 14): viewer, dispatcher, treasurer, admin.
-- "coordinator" was the dispatcher's name; existing accounts keep their rights under the new one,
-- and services/auth/accounts.py still accepts "coordinator" as another name for it.
ALTER TABLE coordinators DROP CONSTRAINT coordinators_role_check;
UPDATE coordinators SET role = 'dispatcher' WHERE role = 'coordinator';
ALTER TABLE coordinators ADD CONSTRAINT coordinators_role_check
    CHECK (role IN ('viewer', 'dispatcher', 'treasurer', 'admin'));
