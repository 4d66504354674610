-- Places read from text carry a confidence (core/text/locate.py): 'low' when a village or kecamatan
-- was resolved from its bare name, no parent named, away from every declared incident area.
-- Coordinators see it on the request and in the queue, and check before trusting it.
ALTER TABLE requests ADD COLUMN location_confidence text
    CHECK (location_confidence IN ('high', 'low'));
