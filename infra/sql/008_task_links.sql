-- The volunteer's task page (services/web/routes_tasks.py) is found by the token in its link:
-- core.codes.task_token(TASK_LINK_SECRET, offer_id), filled in by the store sink. NULL when
-- no secret is configured (no link is sent then); unique, since a token names one offer.
ALTER TABLE dispatches ADD COLUMN link_token text;
CREATE UNIQUE INDEX dispatches_link_token ON dispatches (link_token);
