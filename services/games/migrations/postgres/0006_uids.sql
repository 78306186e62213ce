-- The user id each server's game runs as (from HEARTH_GAMES_UIDS), one per server; given at
-- launch, or at the next start for a server made before servers had their own.
ALTER TABLE servers ADD COLUMN uid BIGINT;
CREATE UNIQUE INDEX servers_by_uid ON servers (uid);
