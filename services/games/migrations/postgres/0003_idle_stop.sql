-- Stop a server after this many minutes with no players (0: never).
ALTER TABLE servers ADD COLUMN idle_stop_minutes BIGINT NOT NULL DEFAULT 0;
