-- How many times the preview worker has started reading an item's file, counted before each
-- read starts, so that a read cut short by the service stopping counts too. After two, the
-- item is "could not be read" and never read again at start-up (ADR 0042).
ALTER TABLE items ADD COLUMN preview_attempts BIGINT NOT NULL DEFAULT 0;
